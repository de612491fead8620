#pragma once
// graph/multimodal_similarity: GRAPE's prior graph (graph_multimodal_similarity.cpp).

#include <memory>

#include "trellis/sdk/graph_constructor.hpp"
#include "trellis/sdk/options.hpp"

namespace trellis::grape {

std::shared_ptr<sdk::GraphConstructor> make_multimodal_similarity(const sdk::Options& options);
sdk::OptionSchema multimodal_similarity_options();

}  // namespace trellis::grape
