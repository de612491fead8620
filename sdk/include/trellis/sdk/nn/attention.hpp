#pragma once
/// @file attention.hpp
/// Softmax attention computed block by block, and multi-head cross-attention
/// built on it, for attention over thousands of genes on a CPU.

#include <cstdint>

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "trellis/sdk/export.hpp"

namespace trellis::sdk::nn {

/// `softmax(q k^T * scale) v` per head, over blocks of queries.
///
/// Only one block's `[H, block, M]` scores exist at a time; the backward pass
/// recomputes them from the saved log-sum-exp of each query (as
/// FlashAttention does), so memory is `O(H * block * M)` instead of
/// `O(H * N * M)`: 8 heads over 5,000 x 5,000 genes would otherwise keep
/// 800 MB of weights for the backward pass. Differentiable with respect to
/// `q`, `k` and `v` (first order).
///
/// @param q     `[H, N, D]` queries.
/// @param k     `[H, M, D]` keys.
/// @param v     `[H, M, Dv]` values.
/// @param scale multiplies the scores, usually `1 / sqrt(D)`.
/// @param block queries per block; 0 picks one that keeps the scores near 16 MB.
/// @return `[H, N, Dv]`.
/// @throws trellis::sdk::Error on inconsistent shapes.
TRELLIS_SDK_API at::Tensor blockwise_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                               double scale, std::int64_t block = 0);

/// The attention each key receives, `[M]`: the softmax weights of
/// blockwise_attention averaged over heads and queries (so it sums to 1).
/// Not differentiable; for reports.
TRELLIS_SDK_API at::Tensor attention_received(const at::Tensor& q, const at::Tensor& k, double scale,
                                              std::int64_t block = 0);

/// Multi-head cross-attention: queries `[N, query_dim]` attend over keys and
/// values taken from `[M, key_dim]`, through learned projections to
/// `query_dim` split into `heads`, then an output projection back to
/// `query_dim` (PyTorch's `nn.MultiheadAttention` with `kdim = vdim =
/// key_dim`, without masks or dropout). Uses blockwise_attention.
class TRELLIS_SDK_API MultiheadCrossAttentionImpl : public torch::nn::Module {
 public:
  /// @throws trellis::sdk::Error when a size is not positive or `query_dim`
  ///         is not a multiple of `heads` (naming both).
  MultiheadCrossAttentionImpl(std::int64_t query_dim, std::int64_t key_dim, std::int64_t heads);
  /// @param queries `[N, query_dim]`.
  /// @param keys    `[M, key_dim]`, the source of keys and values.
  /// @return `[N, query_dim]`.
  /// @throws trellis::sdk::Error naming both widths when they do not match.
  at::Tensor forward(const at::Tensor& queries, const at::Tensor& keys);
  /// attention_received() for these inputs: `[M]`, summing to 1.
  at::Tensor received(const at::Tensor& queries, const at::Tensor& keys);
  std::int64_t heads() const { return heads_; }

  torch::nn::Linear q{nullptr}, k{nullptr}, v{nullptr}, out{nullptr};

 private:
  /// `[N, width]` -> `[heads, N, width / heads]`.
  at::Tensor split_heads(const at::Tensor& x) const;
  void check(const at::Tensor& queries, const at::Tensor& keys) const;
  std::int64_t query_dim_, key_dim_, heads_;
};
/// Module holder for MultiheadCrossAttentionImpl.
TORCH_MODULE(MultiheadCrossAttention);

}  // namespace trellis::sdk::nn
