#pragma once
// Reading tensor files, shared by encoder/precomputed and its tests.

#include <string>

#include <ATen/core/Tensor.h>

namespace trellis::encoders {

/// A tensor saved by Python's torch.save or C++'s torch::pickle_save (read
/// with torch::pickle_load), or by C++'s torch::save (read with torch::load).
/// Throws sdk::Error naming `who` and the path when neither reads it.
at::Tensor load_tensor_file(const std::string& path, const std::string& who);

}  // namespace trellis::encoders
