#include "trellis/sdk/nn/gcn.hpp"

#include <string>

#include <torch/torch.h>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/nn/message_passing.hpp"

namespace trellis::sdk::nn {

GCNConvImpl::GCNConvImpl(std::int64_t in_channels, std::int64_t out_channels, bool add_self_loops,
                         bool normalize, bool bias)
    : in_channels_(in_channels), add_self_loops_(add_self_loops), normalize_(normalize) {
  if (in_channels <= 0 || out_channels <= 0)
    throw Error("GCNConv: in_channels and out_channels must be positive, got " +
                std::to_string(in_channels) + " and " + std::to_string(out_channels));
  lin = register_module(
      "lin", torch::nn::Linear(torch::nn::LinearOptions(in_channels, out_channels).bias(false)));
  if (bias) this->bias = register_parameter("bias", torch::zeros({out_channels}));
  reset_parameters();
}

void GCNConvImpl::reset_parameters() {
  torch::NoGradGuard no_grad;
  torch::nn::init::xavier_uniform_(lin->weight);
  if (bias.defined()) bias.zero_();
}

at::Tensor GCNConvImpl::forward(const at::Tensor& x, const at::Tensor& edge_index,
                                const at::Tensor& weight) {
  check_layer_inputs(x, in_channels_, edge_index, weight, "GCNConv");
  const auto n = x.size(0);
  // Ones in x's dtype keep the whole computation in one precision.
  auto w = weight.defined() ? weight.to(x.scalar_type())
                            : torch::ones({edge_index.size(1)}, x.options());
  auto ei = edge_index;
  if (normalize_) std::tie(ei, w) = gcn_norm(ei, w, n, add_self_loops_);
  auto out = propagate(lin(x), ei, w, n);
  if (bias.defined()) out = out + bias;
  return out;
}

}  // namespace trellis::sdk::nn
