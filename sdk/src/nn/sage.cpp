#include "trellis/sdk/nn/sage.hpp"

#include <string>

#include <torch/torch.h>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/nn/message_passing.hpp"

namespace trellis::sdk::nn {

SAGEConvImpl::SAGEConvImpl(std::int64_t in_channels, std::int64_t out_channels, bool root_weight,
                           bool bias)
    : in_channels_(in_channels) {
  if (in_channels <= 0 || out_channels <= 0)
    throw Error("SAGEConv: in_channels and out_channels must be positive, got " +
                std::to_string(in_channels) + " and " + std::to_string(out_channels));
  lin_l = register_module(
      "lin_l", torch::nn::Linear(torch::nn::LinearOptions(in_channels, out_channels).bias(bias)));
  if (root_weight)
    lin_r = register_module(
        "lin_r", torch::nn::Linear(torch::nn::LinearOptions(in_channels, out_channels).bias(false)));
}

at::Tensor SAGEConvImpl::forward(const at::Tensor& x, const at::Tensor& edge_index,
                                 const at::Tensor& weight) {
  check_layer_inputs(x, in_channels_, edge_index, weight, "SAGEConv");
  const auto n = x.size(0);
  auto w = weight.defined() ? weight.to(x.scalar_type())
                            : torch::ones({edge_index.size(1)}, x.options());
  const auto total = torch::zeros({n}, x.options()).index_add_(0, edge_index[1], w);
  // Dividing by 1 where the total is 0 leaves the (zero) sum unchanged, so
  // isolated nodes aggregate to zeros without producing NaN gradients.
  const auto denom = torch::where(total == 0, torch::ones_like(total), total);
  const auto mean = propagate(x, edge_index, w, n) / denom.unsqueeze(1);
  auto out = lin_l(mean);
  if (lin_r) out = out + lin_r(x);
  return out;
}

}  // namespace trellis::sdk::nn
