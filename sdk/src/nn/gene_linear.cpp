#include "trellis/sdk/nn/gene_linear.hpp"

#include <cmath>
#include <string>

#include <torch/torch.h>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/nn/message_passing.hpp"

namespace trellis::sdk::nn {

GeneSpecificLinearImpl::GeneSpecificLinearImpl(std::int64_t num_genes, std::int64_t in_features,
                                               bool bias) {
  if (num_genes <= 0 || in_features <= 0)
    throw Error("GeneSpecificLinear: num_genes and in_features must be positive, got " +
                std::to_string(num_genes) + " and " + std::to_string(in_features));
  weight = register_parameter("weight", torch::empty({num_genes, in_features}));
  if (bias) this->bias = register_parameter("bias", torch::empty({num_genes}));
  reset_parameters();
}

void GeneSpecificLinearImpl::reset_parameters() {
  torch::NoGradGuard no_grad;
  const double bound = 1.0 / std::sqrt(static_cast<double>(weight.size(1)));
  weight.uniform_(-bound, bound);
  if (bias.defined()) bias.uniform_(-bound, bound);
}

at::Tensor GeneSpecificLinearImpl::forward(const at::Tensor& x) {
  const auto g = weight.size(0);
  const auto in = weight.size(1);
  if (!x.defined()) throw Error("GeneSpecificLinear: input is undefined");
  if (!at::isFloatingType(x.scalar_type()))
    throw Error("GeneSpecificLinear: input must be floating point, got " +
                std::string(c10::toString(x.scalar_type())));
  if (x.dim() < 2 || x.size(-2) != g || x.size(-1) != in)
    throw Error("GeneSpecificLinear: input must have shape [B, " + std::to_string(g) + ", " +
                std::to_string(in) + "] (batch, num_genes, in_features), got " + format_shape(x));
  auto out = (x * weight).sum(-1);
  if (bias.defined()) out = out + bias;
  return out;
}

}  // namespace trellis::sdk::nn
