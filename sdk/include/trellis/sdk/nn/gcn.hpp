#pragma once
/// @file gcn.hpp
/// Graph convolution of Kipf & Welling (PyTorch Geometric `GCNConv`).

#include <cstdint>

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "trellis/sdk/export.hpp"

namespace trellis::sdk::nn {

/// Graph convolution: `out = D^-1/2 (A + I) D^-1/2 (x W) + b`.
///
/// Parameters: `lin.weight` `[out, in]` (Glorot-uniform initialised, no bias)
/// and `bias` `[out]` (zeros), as in PyTorch Geometric.
class TRELLIS_SDK_API GCNConvImpl : public torch::nn::Module {
 public:
  /// @param in_channels    input features per node.
  /// @param out_channels   output features per node.
  /// @param add_self_loops add `I` to `A` before normalising (default true).
  /// @param normalize      apply the symmetric normalisation of
  ///                       trellis::sdk::nn::gcn_norm; when false, the
  ///                       (weighted) sum of neighbours is taken as is and
  ///                       self loops are not added (default true).
  /// @param bias           learn an additive bias (default true).
  /// @throws trellis::sdk::Error when a size is not positive.
  GCNConvImpl(std::int64_t in_channels, std::int64_t out_channels, bool add_self_loops = true,
              bool normalize = true, bool bias = true);

  /// @param x          `[N, in_channels]` node features.
  /// @param edge_index `[2, E]` int64, messages flow row 0 -> row 1.
  /// @param weight     `[E]` edge weights, or undefined for all ones.
  /// @return `[N, out_channels]`.
  /// @throws trellis::sdk::Error on inconsistent shapes, dtypes or node ids.
  at::Tensor forward(const at::Tensor& x, const at::Tensor& edge_index,
                     const at::Tensor& weight = {});

  /// Re-draws the weights (Glorot uniform) and zeros the bias.
  void reset_parameters();

  torch::nn::Linear lin{nullptr};  ///< the shared transform `W`, no bias
  at::Tensor bias;                 ///< `[out_channels]`, undefined when disabled

 private:
  std::int64_t in_channels_;
  bool add_self_loops_;
  bool normalize_;
};

/// Module holder for GCNConvImpl (shared ownership, `->` access).
TORCH_MODULE(GCNConv);

}  // namespace trellis::sdk::nn
