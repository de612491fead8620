#pragma once
/// @file sage.hpp
/// GraphSAGE convolution with mean aggregation (PyTorch Geometric `SAGEConv`).

#include <cstdint>

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "trellis/sdk/export.hpp"

namespace trellis::sdk::nn {

/// GraphSAGE: `out_i = W_l mean_{j -> i} x_j + b + W_r x_i`.
///
/// The mean runs over the in-neighbours of `i` (sources of the edges that
/// target `i`); a node without in-neighbours aggregates to zeros. With edge
/// weights it is the weighted mean `sum_j w_ji x_j / sum_j w_ji`; weights are
/// expected to be non-negative, so that a zero total means "no weighted
/// neighbours" and aggregates to zeros too. No self loops are added: the root
/// term plays that role.
class TRELLIS_SDK_API SAGEConvImpl : public torch::nn::Module {
 public:
  /// @param in_channels  input features per node.
  /// @param out_channels output features per node.
  /// @param root_weight  add the `W_r x_i` term (default true).
  /// @param bias         learn the bias `b`, held by `lin_l` (default true).
  /// @throws trellis::sdk::Error when a size is not positive.
  SAGEConvImpl(std::int64_t in_channels, std::int64_t out_channels, bool root_weight = true,
               bool bias = true);

  /// @param x          `[N, in_channels]` node features.
  /// @param edge_index `[2, E]` int64, messages flow row 0 -> row 1.
  /// @param weight     `[E]` edge weights, or undefined for a plain mean.
  /// @return `[N, out_channels]`.
  /// @throws trellis::sdk::Error on inconsistent shapes, dtypes or node ids.
  at::Tensor forward(const at::Tensor& x, const at::Tensor& edge_index,
                     const at::Tensor& weight = {});

  torch::nn::Linear lin_l{nullptr};  ///< `W_l` and `b`, applied to the neighbour mean
  torch::nn::Linear lin_r{nullptr};  ///< `W_r` (no bias); null when root_weight is false

 private:
  std::int64_t in_channels_;
};

/// Module holder for SAGEConvImpl.
TORCH_MODULE(SAGEConv);

}  // namespace trellis::sdk::nn
