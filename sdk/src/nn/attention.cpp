#include "trellis/sdk/nn/attention.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include <torch/csrc/autograd/custom_function.h>
#include <torch/torch.h>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/nn/message_passing.hpp"

namespace trellis::sdk::nn {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

constexpr std::int64_t kBlockFloats = std::int64_t{1} << 22;  // 16 MB of scores per block

std::int64_t block_rows(std::int64_t block, std::int64_t heads, std::int64_t keys) {
  if (block > 0) return block;
  return std::max<std::int64_t>(1, kBlockFloats / std::max<std::int64_t>(1, heads * keys));
}

void check_qkv(const at::Tensor& q, const at::Tensor& k, const at::Tensor* v) {
  const bool ok = q.defined() && k.defined() && q.dim() == 3 && k.dim() == 3 && q.size(0) == k.size(0) &&
                  q.size(2) == k.size(2) &&
                  (!v || (v->defined() && v->dim() == 3 && v->size(0) == k.size(0) && v->size(1) == k.size(1)));
  if (!ok)
    throw Error("blockwise_attention: expected q [H, N, D], k [H, M, D] and v [H, M, Dv], got q " + format_shape(q) +
                ", k " + format_shape(k) + (v ? ", v " + format_shape(*v) : std::string()));
}

// FlashAttention's recurrences without the tiling over keys: every key of a
// block of queries fits in memory at once here.
struct BlockwiseAttention : public torch::autograd::Function<BlockwiseAttention> {
  // `q` arrives scaled: the scores are q k^T.
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                            std::int64_t block) {
    const std::int64_t n = q.size(1);
    const at::Tensor kt = k.transpose(1, 2);
    at::Tensor out = at::empty({q.size(0), n, v.size(2)}, v.options());
    at::Tensor lse = at::empty({q.size(0), n}, q.options());
    for (std::int64_t r0 = 0; r0 < n; r0 += block) {
      const std::int64_t rows = std::min(block, n - r0);
      at::Tensor s = at::bmm(q.narrow(1, r0, rows), kt);
      const at::Tensor m = std::get<0>(s.max(-1, true));
      s.sub_(m).exp_();
      const at::Tensor l = s.sum(-1, true);
      out.narrow(1, r0, rows).copy_(at::bmm(s, v).div_(l));
      lse.narrow(1, r0, rows).copy_((m + l.log()).squeeze(-1));
    }
    ctx->save_for_backward({q, k, v, out, lse});
    ctx->saved_data["block"] = block;
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor &q = saved[0], &k = saved[1], &v = saved[2], &out = saved[3], &lse = saved[4];
    const std::int64_t block = ctx->saved_data["block"].toInt();
    const at::Tensor d_out = grads[0].contiguous();
    const std::int64_t n = q.size(1);
    const at::Tensor kt = k.transpose(1, 2), vt = v.transpose(1, 2);
    // D_i = sum_j P_ij dP_ij = <dO_i, O_i>.
    const at::Tensor delta = (d_out * out).sum(-1, true);
    at::Tensor dq = at::empty_like(q), dk = at::zeros_like(k), dv = at::zeros_like(v);
    for (std::int64_t r0 = 0; r0 < n; r0 += block) {
      const std::int64_t rows = std::min(block, n - r0);
      const at::Tensor qb = q.narrow(1, r0, rows), dob = d_out.narrow(1, r0, rows);
      at::Tensor p = at::bmm(qb, kt).sub_(lse.narrow(1, r0, rows).unsqueeze(-1)).exp_();
      dv.baddbmm_(p.transpose(1, 2), dob);
      at::Tensor ds = at::bmm(dob, vt).sub_(delta.narrow(1, r0, rows)).mul_(p);
      dq.narrow(1, r0, rows).copy_(at::bmm(ds, k));
      dk.baddbmm_(ds.transpose(1, 2), qb);
    }
    return {dq, dk, dv, at::Tensor()};
  }
};

}  // namespace

at::Tensor blockwise_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, double scale,
                               std::int64_t block) {
  check_qkv(q, k, &v);
  // Scaling q first (autograd carries it) saves a pass over the scores.
  return BlockwiseAttention::apply((q * scale).contiguous(), k.contiguous(), v.contiguous(),
                                   block_rows(block, q.size(0), k.size(1)));
}

at::Tensor attention_received(const at::Tensor& q, const at::Tensor& k, double scale, std::int64_t block) {
  check_qkv(q, k, nullptr);
  torch::NoGradGuard no_grad;
  const std::int64_t n = q.size(1), rows_per_block = block_rows(block, q.size(0), k.size(1));
  const at::Tensor kt = k.transpose(1, 2);
  at::Tensor total = at::zeros({k.size(1)}, q.options().dtype(at::kDouble));
  for (std::int64_t r0 = 0; r0 < n; r0 += rows_per_block) {
    const std::int64_t rows = std::min(rows_per_block, n - r0);
    total += at::softmax(at::bmm(q.narrow(1, r0, rows), kt).mul_(scale), -1).sum(at::IntArrayRef{0, 1}).to(at::kDouble);
  }
  return (total / static_cast<double>(std::max<std::int64_t>(1, q.size(0) * n))).to(q.scalar_type());
}

MultiheadCrossAttentionImpl::MultiheadCrossAttentionImpl(std::int64_t query_dim, std::int64_t key_dim,
                                                         std::int64_t heads)
    : query_dim_(query_dim), key_dim_(key_dim), heads_(heads) {
  if (query_dim < 1 || key_dim < 1 || heads < 1)
    throw Error("MultiheadCrossAttention: widths and heads must be positive, got query width " +
                std::to_string(query_dim) + ", key width " + std::to_string(key_dim) + ", " + std::to_string(heads) +
                " heads");
  if (query_dim % heads != 0)
    throw Error("MultiheadCrossAttention: the query width " + std::to_string(query_dim) +
                " is not a multiple of the " + std::to_string(heads) + " heads; choose a number of heads that divides it");
  q = register_module("q", torch::nn::Linear(query_dim, query_dim));
  k = register_module("k", torch::nn::Linear(key_dim, query_dim));
  v = register_module("v", torch::nn::Linear(key_dim, query_dim));
  out = register_module("out", torch::nn::Linear(query_dim, query_dim));
}

void MultiheadCrossAttentionImpl::check(const at::Tensor& queries, const at::Tensor& keys) const {
  if (!queries.defined() || queries.dim() != 2 || queries.size(1) != query_dim_ || !keys.defined() ||
      keys.dim() != 2 || keys.size(1) != key_dim_)
    throw Error("MultiheadCrossAttention: expected queries [N, " + std::to_string(query_dim_) + "] and keys [M, " +
                std::to_string(key_dim_) + "], got queries " + format_shape(queries) + " and keys " +
                format_shape(keys));
}

at::Tensor MultiheadCrossAttentionImpl::split_heads(const at::Tensor& x) const {
  return x.view({x.size(0), heads_, query_dim_ / heads_}).transpose(0, 1);
}

at::Tensor MultiheadCrossAttentionImpl::forward(const at::Tensor& queries, const at::Tensor& keys) {
  check(queries, keys);
  const double scale = 1.0 / std::sqrt(static_cast<double>(query_dim_ / heads_));
  const at::Tensor o = blockwise_attention(split_heads(q(queries)), split_heads(k(keys)), split_heads(v(keys)), scale);
  return out(o.transpose(0, 1).reshape({queries.size(0), query_dim_}));
}

at::Tensor MultiheadCrossAttentionImpl::received(const at::Tensor& queries, const at::Tensor& keys) {
  check(queries, keys);
  torch::NoGradGuard no_grad;
  const double scale = 1.0 / std::sqrt(static_cast<double>(query_dim_ / heads_));
  return attention_received(split_heads(q(queries)), split_heads(k(keys)), scale);
}

}  // namespace trellis::sdk::nn
