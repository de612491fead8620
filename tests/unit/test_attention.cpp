// sdk::nn blockwise attention against plain softmax attention written here
// (values, gradients, the attention each key receives), and the multi-head
// cross-attention module against the same formula by hand.
#include <cmath>

#include <ATen/ATen.h>
#include <torch/torch.h>
#include "catch.hpp"

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/nn/attention.hpp"

using namespace trellis;
using Catch::Contains;

namespace {

at::Tensor plain_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, double scale) {
  return at::softmax(at::bmm(q, k.transpose(1, 2)) * scale, -1).bmm(v);
}

}  // namespace

TEST_CASE("blockwise_attention: values and gradients equal plain softmax attention", "[nn][attention]") {
  torch::manual_seed(3);
  const auto opts = at::TensorOptions().dtype(at::kDouble);
  // 7 queries in blocks of 3: the last block is short.
  const at::Tensor q = at::randn({2, 7, 4}, opts).set_requires_grad(true);
  const at::Tensor k = at::randn({2, 5, 4}, opts).set_requires_grad(true);
  const at::Tensor v = at::randn({2, 5, 3}, opts).set_requires_grad(true);
  const at::Tensor w = at::randn({2, 7, 3}, opts);  // a loss that weighs every output differently
  const at::Tensor out = sdk::nn::blockwise_attention(q, k, v, 0.5, 3);
  const at::Tensor expected = plain_attention(q, k, v, 0.5);
  CHECK(at::allclose(out, expected, 1e-12, 1e-12));
  const auto grads = torch::autograd::grad({(out * w).sum()}, {q, k, v});
  const auto plain = torch::autograd::grad({(expected * w).sum()}, {q, k, v});
  for (int i = 0; i < 3; ++i) CHECK(at::allclose(grads[i], plain[i], 1e-10, 1e-12));

  // Central differences on one entry of each input.
  const double h = 1e-6;
  for (int i = 0; i < 3; ++i) {
    at::Tensor x[3] = {q.detach().clone(), k.detach().clone(), v.detach().clone()};
    const auto loss = [&] { return (sdk::nn::blockwise_attention(x[0], x[1], x[2], 0.5, 3) * w).sum().item<double>(); };
    auto entry = x[i].view({-1});
    const double saved = entry[1].item<double>();
    entry[1] = saved + h;
    const double up = loss();
    entry[1] = saved - h;
    const double down = loss();
    CHECK(grads[i].view({-1})[1].item<double>() == Approx((up - down) / (2 * h)).epsilon(1e-6));
  }

  // The attention each key receives: plain weights averaged over heads and queries.
  const at::Tensor received = sdk::nn::attention_received(q.detach(), k.detach(), 0.5, 2);
  const at::Tensor weights = at::softmax(at::bmm(q.detach(), k.detach().transpose(1, 2)) * 0.5, -1);
  CHECK(at::allclose(received, weights.mean(at::IntArrayRef{0, 1}), 1e-12, 1e-12));
  CHECK(received.sum().item<double>() == Approx(1.0));
  CHECK_THROWS_WITH(sdk::nn::blockwise_attention(q, k.narrow(2, 0, 3), v, 1.0),
                    Contains("expected q [H, N, D], k [H, M, D] and v [H, M, Dv], got q [2, 7, 4], k [2, 5, 3]"));
}

TEST_CASE("MultiheadCrossAttention: the formula by hand; width errors name both widths", "[nn][attention]") {
  torch::manual_seed(4);
  sdk::nn::MultiheadCrossAttention attention(6, 4, 3);
  attention->to(at::kDouble);
  const at::Tensor queries = at::randn({5, 6}, at::kDouble), keys = at::randn({8, 4}, at::kDouble);
  const at::Tensor out = attention->forward(queries, keys);
  // By hand, head by head: softmax(Q_h K_h^T / sqrt(2)) V_h, concatenated, projected.
  const at::Tensor Q = attention->q(queries), K = attention->k(keys), V = attention->v(keys);
  std::vector<at::Tensor> heads;
  for (int h = 0; h < 3; ++h) {
    const at::Tensor qh = Q.narrow(1, 2 * h, 2), kh = K.narrow(1, 2 * h, 2), vh = V.narrow(1, 2 * h, 2);
    heads.push_back(at::softmax(qh.mm(kh.t()) / std::sqrt(2.0), -1).mm(vh));
  }
  CHECK(at::allclose(out, attention->out(at::cat(heads, 1)), 1e-12, 1e-12));
  CHECK(at::allclose(attention->received(queries, keys).sum(), at::ones({}, at::kDouble)));
  CHECK_THROWS_WITH(attention->forward(queries, at::randn({8, 5}, at::kDouble)),
                    Contains("expected queries [N, 6] and keys [M, 4], got queries [5, 6] and keys [8, 5]"));
  CHECK_THROWS_WITH(sdk::nn::MultiheadCrossAttention(10, 4, 8),
                    Contains("the query width 10 is not a multiple of the 8 heads"));
}
