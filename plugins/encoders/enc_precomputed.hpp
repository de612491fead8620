#pragma once
// encoder/precomputed: gene embeddings computed elsewhere, from a file.

#include <memory>
#include <string>

#include <ATen/core/Tensor.h>

namespace trellis::sdk {
class FeatureEncoder;
class Options;
class OptionSchema;
}  // namespace trellis::sdk

namespace trellis::encoders {

sdk::OptionSchema precomputed_options();
std::shared_ptr<sdk::FeatureEncoder> make_precomputed(const sdk::Options& options);

/// A tensor saved by Python's torch.save or C++'s torch::pickle_save (read
/// with torch::pickle_load), or by C++'s torch::save (read with torch::load).
/// Throws sdk::Error naming `who` and the path when neither reads it.
at::Tensor load_tensor_file(const std::string& path, const std::string& who);

}  // namespace trellis::encoders
