#pragma once
/// @file gat.hpp
/// Graph attention convolution of Veličković et al. (PyTorch Geometric `GATConv`).

#include <cstdint>

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "trellis/sdk/export.hpp"

namespace trellis::sdk::nn {

/// Options of GATConvImpl; every field but the two sizes has a default.
struct TRELLIS_SDK_API GATConvOptions {
  /// @param in_channels  input features per node.
  /// @param out_channels output features per node and head.
  GATConvOptions(std::int64_t in_channels, std::int64_t out_channels)
      : in_channels(in_channels), out_channels(out_channels) {}

  std::int64_t in_channels;      ///< input features per node
  std::int64_t out_channels;     ///< output features per node and head
  std::int64_t heads = 1;        ///< independent attention heads
  bool concat = true;            ///< concatenate heads (`[N, heads * out]`), else average (`[N, out]`)
  double negative_slope = 0.2;   ///< LeakyReLU slope of the attention scores
  double dropout = 0.0;          ///< dropout on the attention coefficients, in training mode only
  bool add_self_loops = true;    ///< replace existing self loops by exactly one per node
  bool bias = true;              ///< learn an additive bias
};

/// Output of GATConvImpl::forward_with_attention.
struct TRELLIS_SDK_API GATConvOutput {
  at::Tensor out;         ///< `[N, heads * out]` (concat) or `[N, out]`
  at::Tensor edge_index;  ///< `[2, E']` the edges attended over (self loops included)
  at::Tensor attention;   ///< `[E', heads]` softmax coefficients, before dropout
};

/// Graph attention: for each head, `h = x W`,
/// `s_ji = LeakyReLU(a_src · h_j + a_dst · h_i)` on edge `j -> i`,
/// `alpha_ji = softmax_j(s_ji)` over the incoming edges of `i`, and
/// `out_i = sum_j alpha_ji w_ji h_j`; heads are then concatenated or averaged
/// and the bias added.
///
/// Edge weights `w_ji`, when given, scale the attention-weighted messages (the
/// coefficients themselves still sum to one); added self loops get weight 1.
/// Without weights `w_ji = 1`, which is PyTorch Geometric's GATConv without
/// edge features. Parameters: `lin.weight` `[heads * out, in]`, `att_src` and
/// `att_dst` `[1, heads, out]` (Glorot uniform), `bias` (zeros).
class TRELLIS_SDK_API GATConvImpl : public torch::nn::Module {
 public:
  /// @throws trellis::sdk::Error when a size is not positive, `dropout` is
  ///         outside `[0, 1)` or `negative_slope` is negative.
  explicit GATConvImpl(const GATConvOptions& options);

  /// @param x          `[N, in_channels]` node features.
  /// @param edge_index `[2, E]` int64, messages flow row 0 -> row 1.
  /// @param weight     `[E]` edge weights, or undefined for all ones.
  /// @return `[N, heads * out_channels]` if `concat`, else `[N, out_channels]`.
  /// @throws trellis::sdk::Error on inconsistent shapes, dtypes or node ids.
  at::Tensor forward(const at::Tensor& x, const at::Tensor& edge_index,
                     const at::Tensor& weight = {});

  /// As forward(), also returning the attention coefficients, e.g. to inspect
  /// or regularise them.
  GATConvOutput forward_with_attention(const at::Tensor& x, const at::Tensor& edge_index,
                                       const at::Tensor& weight = {});

  /// Re-draws `lin`, `att_src`, `att_dst` (Glorot uniform) and zeros the bias.
  void reset_parameters();

  GATConvOptions options;          ///< the options this layer was built with
  torch::nn::Linear lin{nullptr};  ///< `W`, no bias
  at::Tensor att_src;              ///< `[1, heads, out_channels]` source attention vector
  at::Tensor att_dst;              ///< `[1, heads, out_channels]` target attention vector
  at::Tensor bias;                 ///< `[heads * out]` or `[out]`; undefined when disabled
};

/// Module holder for GATConvImpl.
TORCH_MODULE(GATConv);

}  // namespace trellis::sdk::nn
