#include "trellis/sdk/nn/gat.hpp"

#include <cmath>
#include <string>

#include <torch/torch.h>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/nn/message_passing.hpp"

namespace trellis::sdk::nn {

GATConvImpl::GATConvImpl(const GATConvOptions& opts) : options(opts) {
  const std::string who = "GATConv";
  if (opts.in_channels <= 0 || opts.out_channels <= 0)
    throw Error(who + ": in_channels and out_channels must be positive, got " +
                std::to_string(opts.in_channels) + " and " + std::to_string(opts.out_channels));
  if (opts.heads <= 0) throw Error(who + ": heads must be positive, got " + std::to_string(opts.heads));
  if (!(opts.dropout >= 0.0 && opts.dropout < 1.0))
    throw Error(who + ": dropout must be in [0, 1), got " + c10::str(opts.dropout));
  if (!(opts.negative_slope >= 0.0))
    throw Error(who + ": negative_slope must be >= 0, got " + c10::str(opts.negative_slope));
  const auto h = opts.heads;
  const auto c = opts.out_channels;
  lin = register_module("lin",
                        torch::nn::Linear(torch::nn::LinearOptions(opts.in_channels, h * c).bias(false)));
  att_src = register_parameter("att_src", torch::empty({1, h, c}));
  att_dst = register_parameter("att_dst", torch::empty({1, h, c}));
  if (opts.bias) bias = register_parameter("bias", torch::empty({opts.concat ? h * c : c}));
  reset_parameters();
}

void GATConvImpl::reset_parameters() {
  torch::NoGradGuard no_grad;
  torch::nn::init::xavier_uniform_(lin->weight);
  // [1, heads, out] has fan_in = heads * out and fan_out = out for
  // xavier_uniform_, unlike PyG's glorot (fan over the last two dims); use
  // PyG's bound so that initial scores have the same scale.
  const double bound = std::sqrt(6.0 / static_cast<double>(options.heads + options.out_channels));
  att_src.uniform_(-bound, bound);
  att_dst.uniform_(-bound, bound);
  if (bias.defined()) bias.zero_();
}

at::Tensor GATConvImpl::forward(const at::Tensor& x, const at::Tensor& edge_index,
                                const at::Tensor& weight) {
  return forward_with_attention(x, edge_index, weight).out;
}

GATConvOutput GATConvImpl::forward_with_attention(const at::Tensor& x, const at::Tensor& edge_index,
                                                  const at::Tensor& weight) {
  check_layer_inputs(x, options.in_channels, edge_index, weight, "GATConv");
  const auto n = x.size(0);
  auto ei = edge_index;
  auto w = weight.defined() ? weight.to(x.scalar_type()) : at::Tensor();
  if (options.add_self_loops) {
    // Exactly one loop per node: a duplicated loop would take two shares of
    // the softmax.
    std::tie(ei, w) = remove_self_loops(ei, w);
    std::tie(ei, w) = add_self_loops(ei, w, n, 1.0);
  }
  const auto heads = options.heads;
  const auto c = options.out_channels;
  const auto h = lin(x).view({n, heads, c});
  const auto score_src = (h * att_src).sum(-1);  // [N, heads]
  const auto score_dst = (h * att_dst).sum(-1);
  const auto src = ei[0];
  const auto dst = ei[1];
  const auto scores = torch::leaky_relu(score_src.index_select(0, src) + score_dst.index_select(0, dst),
                                        options.negative_slope);
  const auto attention = segment_softmax(scores, dst, n);  // [E', heads]
  auto alpha = attention;
  if (is_training() && options.dropout > 0.0) alpha = torch::dropout(alpha, options.dropout, true);
  auto messages = h.index_select(0, src) * alpha.unsqueeze(-1);  // [E', heads, c]
  if (w.defined()) messages = messages * w.view({-1, 1, 1});
  auto out = torch::zeros({n, heads, c}, h.options()).index_add_(0, dst, messages);
  out = options.concat ? out.reshape({n, heads * c}) : out.mean(1);
  if (bias.defined()) out = out + bias;
  return {out, ei, attention};
}

}  // namespace trellis::sdk::nn
