#pragma once
// encoder/dnalm: gene embeddings from a trained DNA language model.

#include <memory>
#include <string>

#include "trellis/sdk/encoder.hpp"
#include "trellis/sdk/options.hpp"

namespace trellis::dnalm {

sdk::OptionSchema dnalm_encoder_options();
std::shared_ptr<sdk::FeatureEncoder> make_dnalm_encoder(const sdk::Options& options);

}  // namespace trellis::dnalm
