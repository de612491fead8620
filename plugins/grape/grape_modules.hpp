#pragma once
// GRAPE's gene-feature encoders: one per modality, then the fusion MLP.

#include <cstdint>

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

namespace trellis::grape {

/// exp(-x^2 / (2 sigma^2)) elementwise; `x` unchanged when sigma is 0.
at::Tensor gaussian_kernel(const at::Tensor& x, double sigma);

/// kernel map -> p = Linear(E -> H) -> Linear(H -> H)(GELU(p)) + p -> LayerNorm.
class ModalityEncoderImpl : public torch::nn::Module {
 public:
  ModalityEncoderImpl(std::int64_t in_features, std::int64_t hidden, double sigma);
  at::Tensor forward(const at::Tensor& x);

  double sigma;
  torch::nn::Linear proj{nullptr}, mix{nullptr};
  torch::nn::LayerNorm norm{nullptr};
};
TORCH_MODULE(ModalityEncoder);

/// Linear(M H -> H) -> BN -> ReLU -> Linear(H -> H) -> BN over the
/// concatenated modality encodings.
class FusionImpl : public torch::nn::Module {
 public:
  FusionImpl(std::int64_t in_features, std::int64_t hidden);
  at::Tensor forward(const at::Tensor& x);

  torch::nn::Linear first{nullptr}, second{nullptr};
  torch::nn::BatchNorm1d norm1{nullptr}, norm2{nullptr};
};
TORCH_MODULE(Fusion);

}  // namespace trellis::grape
