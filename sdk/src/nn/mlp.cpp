#include "trellis/sdk/nn/mlp.hpp"

#include <string>

#include <torch/torch.h>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/nn/message_passing.hpp"

namespace trellis::sdk::nn {

MLPImpl::MLPImpl(const MLPOptions& opts) : options(opts) {
  const auto& sizes = opts.sizes;
  if (sizes.size() < 2)
    throw Error("MLP: sizes must list at least the input and output widths, got " +
                std::to_string(sizes.size()) + " value(s)");
  for (std::size_t i = 0; i < sizes.size(); ++i)
    if (sizes[i] <= 0)
      throw Error("MLP: sizes[" + std::to_string(i) + "] must be positive, got " +
                  std::to_string(sizes[i]));
  if (opts.activation != "relu" && opts.activation != "gelu")
    throw Error("MLP: activation must be \"relu\" or \"gelu\", got \"" + opts.activation + "\"");
  if (!(opts.dropout >= 0.0 && opts.dropout < 1.0))
    throw Error("MLP: dropout must be in [0, 1), got " + c10::str(opts.dropout));
  const std::size_t layers = sizes.size() - 1;
  for (std::size_t i = 0; i < layers; ++i) {
    linears.push_back(register_module("linear" + std::to_string(i),
                                      torch::nn::Linear(sizes[i], sizes[i + 1])));
    const bool activated = i + 1 < layers || opts.activate_last;
    if (activated && opts.batch_norm)
      norms.push_back(register_module("norm" + std::to_string(i),
                                      torch::nn::BatchNorm1d(sizes[i + 1])));
  }
}

at::Tensor MLPImpl::forward(const at::Tensor& x) {
  const auto in = options.sizes.front();
  if (!x.defined() || x.dim() < 1 || x.size(-1) != in)
    throw Error("MLP: input must have last dimension " + std::to_string(in) +
                " (sizes[0]), got shape " + format_shape(x));
  const auto lead = x.sizes().slice(0, x.dim() - 1).vec();
  // BatchNorm1d wants [rows, features]; fold every leading dimension into rows.
  auto h = x.reshape({-1, in});
  const std::size_t layers = linears.size();
  for (std::size_t i = 0; i < layers; ++i) {
    h = linears[i](h);
    if (i + 1 < layers || options.activate_last) {
      if (options.batch_norm) h = norms[i](h);
      h = options.activation == "gelu" ? torch::gelu(h) : torch::relu(h);
      if (options.dropout > 0.0) h = torch::dropout(h, options.dropout, is_training());
    }
  }
  auto shape = lead;
  shape.push_back(options.sizes.back());
  return h.reshape(shape);
}

}  // namespace trellis::sdk::nn
