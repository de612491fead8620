#pragma once
/// @file mlp.hpp
/// Multi-layer perceptron in the style of GEARS.

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "trellis/sdk/export.hpp"

namespace trellis::sdk::nn {

/// Options of MLPImpl.
struct TRELLIS_SDK_API MLPOptions {
  /// @param sizes layer widths, input first and output last (at least two).
  explicit MLPOptions(std::vector<std::int64_t> sizes) : sizes(std::move(sizes)) {}

  std::vector<std::int64_t> sizes;  ///< widths including input and output, e.g. `{64, 128, 64}`
  bool batch_norm = true;           ///< BatchNorm1d after each activated Linear
  std::string activation = "relu";  ///< "relu" or "gelu"
  double dropout = 0.0;             ///< dropout after each activation, in training mode only
  bool activate_last = false;       ///< treat the last layer like a hidden one
};

/// `Linear -> BatchNorm1d -> activation -> dropout` for every hidden layer, then
/// a plain `Linear` (or a hidden-style block when `activate_last`).
///
/// Unlike GEARS' MLP, whose output layer keeps its BatchNorm, the last layer
/// here has none unless `activate_last`, so the output is not re-centred per
/// batch. Any leading dimensions are accepted: `[..., sizes.front()]` maps to
/// `[..., sizes.back()]` (batch statistics are taken over all leading rows).
/// Submodules are registered as `linear<i>` and `norm<i>`.
class TRELLIS_SDK_API MLPImpl : public torch::nn::Module {
 public:
  /// @throws trellis::sdk::Error for fewer than two sizes, a non-positive
  ///         size, an unknown activation or dropout outside `[0, 1)`.
  explicit MLPImpl(const MLPOptions& options);

  /// @param x `[..., sizes.front()]`.
  /// @return `[..., sizes.back()]`.
  /// @throws trellis::sdk::Error when the last dimension does not match.
  at::Tensor forward(const at::Tensor& x);

  MLPOptions options;                          ///< the options this MLP was built with
  std::vector<torch::nn::Linear> linears;      ///< one per layer
  std::vector<torch::nn::BatchNorm1d> norms;   ///< one per activated layer, if batch_norm
};

/// Module holder for MLPImpl.
TORCH_MODULE(MLP);

}  // namespace trellis::sdk::nn
