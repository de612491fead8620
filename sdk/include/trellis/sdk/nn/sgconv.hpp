#pragma once
/// @file sgconv.hpp
/// Simplified graph convolution of Wu et al. (PyTorch Geometric `SGConv`).

#include <cstdint>

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "trellis/sdk/export.hpp"

namespace trellis::sdk::nn {

/// Simplified graph convolution: `out = Linear(Â^K x)` with
/// `Â = D^-1/2 (A + I) D^-1/2` (trellis::sdk::nn::gcn_norm).
///
/// No nonlinearity between hops, so `K` hops cost `K` sparse aggregations and
/// one dense transform. `K = 0` degenerates to a plain linear layer, which is
/// a useful ablation. Nothing is cached between calls.
class TRELLIS_SDK_API SGConvImpl : public torch::nn::Module {
 public:
  /// @param in_channels    input features per node.
  /// @param out_channels   output features per node.
  /// @param K              number of propagation hops, >= 0 (default 1).
  /// @param add_self_loops add `I` to `A` before normalising (default true).
  /// @param bias           learn an additive bias in `lin` (default true).
  /// @throws trellis::sdk::Error when a size is not positive or `K < 0`.
  SGConvImpl(std::int64_t in_channels, std::int64_t out_channels, std::int64_t K = 1,
             bool add_self_loops = true, bool bias = true);

  /// @param x          `[N, in_channels]` node features.
  /// @param edge_index `[2, E]` int64, messages flow row 0 -> row 1.
  /// @param weight     `[E]` edge weights, or undefined for all ones.
  /// @return `[N, out_channels]`.
  /// @throws trellis::sdk::Error on inconsistent shapes, dtypes or node ids.
  at::Tensor forward(const at::Tensor& x, const at::Tensor& edge_index,
                     const at::Tensor& weight = {});

  torch::nn::Linear lin{nullptr};  ///< the transform applied after propagation

 private:
  std::int64_t in_channels_;
  std::int64_t K_;
  bool add_self_loops_;
};

/// Module holder for SGConvImpl.
TORCH_MODULE(SGConv);

}  // namespace trellis::sdk::nn
