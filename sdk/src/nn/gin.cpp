#include "trellis/sdk/nn/gin.hpp"

#include <string>

#include <torch/torch.h>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/nn/message_passing.hpp"

namespace trellis::sdk::nn {

GINConvImpl::GINConvImpl(std::int64_t in_channels, std::int64_t out_channels, double eps_value, bool train_eps)
    : in_channels_(in_channels) {
  if (in_channels <= 0 || out_channels <= 0)
    throw Error("GINConv: in_channels and out_channels must be positive, got " + std::to_string(in_channels) +
                " and " + std::to_string(out_channels));
  lin1 = register_module("lin1", torch::nn::Linear(in_channels, out_channels));
  lin2 = register_module("lin2", torch::nn::Linear(out_channels, out_channels));
  const at::Tensor initial = torch::full({}, eps_value);
  eps = train_eps ? register_parameter("eps", initial) : register_buffer("eps", initial);
}

at::Tensor GINConvImpl::forward(const at::Tensor& x, const at::Tensor& edge_index, const at::Tensor& weight) {
  check_layer_inputs(x, in_channels_, edge_index, weight, "GINConv");
  const auto w = weight.defined() ? weight.to(x.scalar_type()) : torch::ones({edge_index.size(1)}, x.options());
  const auto h = (1 + eps.to(x.scalar_type())) * x + propagate(x, edge_index, w, x.size(0));
  return lin2(torch::relu(lin1(h)));
}

}  // namespace trellis::sdk::nn
