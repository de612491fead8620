#pragma once
// adapter/grn_topological (GRNFormer, arXiv 2503.01682): a graph encoder over
// one or more regulatory graphs, fused into the slot's gene embeddings by
// multi-head cross-attention, out = h + beta * fusion.
#include <memory>

#include "trellis/sdk/adapter.hpp"
#include "trellis/sdk/options.hpp"

namespace trellis::grn {

trellis::sdk::OptionSchema grn_topological_options();
std::shared_ptr<sdk::Adapter> make_grn_topological(const sdk::Options& options);

}  // namespace trellis::grn
