#include "trellis/sdk/nn/sgconv.hpp"

#include <string>

#include <torch/torch.h>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/nn/message_passing.hpp"

namespace trellis::sdk::nn {

SGConvImpl::SGConvImpl(std::int64_t in_channels, std::int64_t out_channels, std::int64_t K,
                       bool add_self_loops, bool bias)
    : in_channels_(in_channels), K_(K), add_self_loops_(add_self_loops) {
  if (in_channels <= 0 || out_channels <= 0)
    throw Error("SGConv: in_channels and out_channels must be positive, got " +
                std::to_string(in_channels) + " and " + std::to_string(out_channels));
  if (K < 0) throw Error("SGConv: K (hops) must be >= 0, got " + std::to_string(K));
  lin = register_module(
      "lin", torch::nn::Linear(torch::nn::LinearOptions(in_channels, out_channels).bias(bias)));
}

at::Tensor SGConvImpl::forward(const at::Tensor& x, const at::Tensor& edge_index,
                               const at::Tensor& weight) {
  check_layer_inputs(x, in_channels_, edge_index, weight, "SGConv");
  const auto n = x.size(0);
  auto w = weight.defined() ? weight.to(x.scalar_type())
                            : torch::ones({edge_index.size(1)}, x.options());
  auto [ei, norm] = gcn_norm(edge_index, w, n, add_self_loops_);
  auto h = x;
  for (std::int64_t k = 0; k < K_; ++k) h = propagate(h, ei, norm, n);
  return lin(h);
}

}  // namespace trellis::sdk::nn
