#pragma once
/// @file gin.hpp
/// Graph isomorphism network convolution (Xu et al. 2019; PyTorch Geometric `GINConv`).

#include <cstdint>

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "trellis/sdk/export.hpp"

namespace trellis::sdk::nn {

/// GIN: `out_i = MLP((1 + eps) x_i + sum_{j -> i} w_ji x_j)` with the MLP
/// `Linear(in, out) -> ReLU -> Linear(out, out)`.
///
/// The sum runs over the in-neighbours of `i` (sources of the edges that
/// target `i`), weighted by the edge weights when given (1 otherwise). `eps`
/// starts at `eps` and is a trained parameter when `train_eps`, else a
/// buffer (PyG's default: 0, fixed).
class TRELLIS_SDK_API GINConvImpl : public torch::nn::Module {
 public:
  /// @param in_channels  input features per node.
  /// @param out_channels output features per node (also the MLP's hidden width).
  /// @param eps          initial epsilon.
  /// @param train_eps    learn epsilon.
  /// @throws trellis::sdk::Error when a size is not positive.
  GINConvImpl(std::int64_t in_channels, std::int64_t out_channels, double eps = 0.0, bool train_eps = false);

  /// @param x          `[N, in_channels]` node features.
  /// @param edge_index `[2, E]` int64, messages flow row 0 -> row 1.
  /// @param weight     `[E]` edge weights, or undefined for a plain sum.
  /// @return `[N, out_channels]`.
  /// @throws trellis::sdk::Error on inconsistent shapes, dtypes or node ids.
  at::Tensor forward(const at::Tensor& x, const at::Tensor& edge_index, const at::Tensor& weight = {});

  torch::nn::Linear lin1{nullptr};  ///< first MLP layer
  torch::nn::Linear lin2{nullptr};  ///< second MLP layer
  at::Tensor eps;                   ///< scalar epsilon (parameter or buffer)

 private:
  std::int64_t in_channels_;
};

/// Module holder for GINConvImpl.
TORCH_MODULE(GINConv);

}  // namespace trellis::sdk::nn
