// GRAPE's modality encoders and fusion (METHODS.md, GRAPE: Encoder).
#include "grape_modules.hpp"

#include <ATen/ATen.h>

namespace trellis::grape {

at::Tensor gaussian_kernel(const at::Tensor& x, double sigma) {
  if (sigma <= 0) return x;
  return at::exp(x.square() * (-1.0 / (2.0 * sigma * sigma)));
}

ModalityEncoderImpl::ModalityEncoderImpl(std::int64_t in_features, std::int64_t hidden, double sigma_)
    : sigma(sigma_) {
  proj = register_module("proj", torch::nn::Linear(in_features, hidden));
  mix = register_module("mix", torch::nn::Linear(hidden, hidden));
  norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({hidden})));
}

at::Tensor ModalityEncoderImpl::forward(const at::Tensor& x) {
  const at::Tensor p = proj(gaussian_kernel(x, sigma));
  return norm(mix(at::gelu(p)) + p);
}

FusionImpl::FusionImpl(std::int64_t in_features, std::int64_t hidden) {
  first = register_module("first", torch::nn::Linear(in_features, hidden));
  norm1 = register_module("norm1", torch::nn::BatchNorm1d(hidden));
  second = register_module("second", torch::nn::Linear(hidden, hidden));
  norm2 = register_module("norm2", torch::nn::BatchNorm1d(hidden));
}

at::Tensor FusionImpl::forward(const at::Tensor& x) {
  return norm2(second(at::relu(norm1(first(x)))));
}

}  // namespace trellis::grape
