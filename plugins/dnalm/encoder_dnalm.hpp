#pragma once
// encoder/dnalm: gene embeddings from a trained DNA language model.

#include <memory>
#include <string>

#include "trellis/sdk/dna_model.hpp"
#include "trellis/sdk/encoder.hpp"
#include "trellis/sdk/options.hpp"

namespace trellis::dnalm {

/// A dnalm/gpn_conv model rebuilt from a model file's header and loaded.
std::shared_ptr<sdk::DnaModel> load_model(const std::string& file);

sdk::OptionSchema dnalm_encoder_options();
std::shared_ptr<sdk::FeatureEncoder> make_dnalm_encoder(const sdk::Options& options);

}  // namespace trellis::dnalm
