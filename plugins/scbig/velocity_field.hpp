#pragma once
// The flow's velocity field in the autoencoder's latent: an MLP over the
// latent state, a sinusoidal time code and the perturbation embedding,
// attention-pooled over the perturbed genes' features (so unseen genes and
// combinations get one).
#include <cstdint>
#include <memory>

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "trellis/sdk/adapter.hpp"
#include "trellis/sdk/nn/mlp.hpp"

namespace trellis::scbig {

struct VelocitySizes {
  std::int64_t latent = 50;
  std::int64_t hidden = 1024;     ///< width of each hidden layer
  std::int64_t layers = 2;        ///< hidden layers
  std::int64_t time_dim = 128;    ///< sinusoidal time code width (even)
  std::int64_t condition = 256;   ///< perturbation embedding width
  double dropout = 0.1;
};

/// The perturbed genes of each row: flat lists as in sdk::Batch.
struct Perturbations {
  at::Tensor gene;  ///< [K] int64 universe index
  at::Tensor row;   ///< [K] int64 row
  at::Tensor sign;  ///< [K] float +1 activation, -1 knockdown/knockout, 0 unknown
  std::int64_t rows = 0;
};

class VelocityFieldImpl : public torch::nn::Module {
 public:
  /// `gene_features` [universe, f]: what the perturbation embedding is computed from.
  VelocityFieldImpl(const VelocitySizes& sizes, const at::Tensor& gene_features);
  /// [rows, condition]: softmax attention pooling (a learned query) of the
  /// perturbed genes' projected features plus a learned sign vector; zero
  /// for a row without perturbed genes.
  at::Tensor embed(const Perturbations& p);
  /// Passes every gene's projected features [universe, condition] through
  /// `adapter` (the "perturbation" slot) before pooling; it trains with the flow.
  void set_adapter(std::shared_ptr<sdk::Adapter> adapter);
  /// Velocity [B, latent] at states `x` [B, latent], times `t` [B], embeddings `condition` [B, c].
  at::Tensor forward(const at::Tensor& x, const at::Tensor& t, const at::Tensor& condition);

 private:
  VelocitySizes s_;
  at::Tensor features_, query_, sign_;
  torch::nn::Linear project_{nullptr}, key_{nullptr};
  sdk::nn::MLP mlp_{nullptr};
  std::shared_ptr<sdk::Adapter> adapter_;
};
TORCH_MODULE(VelocityField);

}  // namespace trellis::scbig
