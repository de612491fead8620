#pragma once
/// @file gene_linear.hpp
/// One small linear read-out per gene (the GEARS decoder's last step).

#include <cstdint>

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "trellis/sdk/export.hpp"

namespace trellis::sdk::nn {

/// A separate linear map `R^in -> R` for every gene:
/// `out[..., g] = sum_k x[..., g, k] * weight[g, k] + bias[g]`.
///
/// Computed as one fused broadcast-multiply-sum over all genes. Parameters are
/// initialised like `torch::nn::Linear` per gene: uniform in
/// `[-1/sqrt(in), 1/sqrt(in)]`.
class TRELLIS_SDK_API GeneSpecificLinearImpl : public torch::nn::Module {
 public:
  /// @param num_genes   number of genes `G`.
  /// @param in_features features per gene.
  /// @param bias        learn a per-gene bias (default true).
  /// @throws trellis::sdk::Error when a size is not positive.
  GeneSpecificLinearImpl(std::int64_t num_genes, std::int64_t in_features, bool bias = true);

  /// @param x `[B, G, in]`; other numbers of leading dimensions work too,
  ///          including none (`[G, in]`).
  /// @return `[B, G]` (the leading dimensions of `x`, then `G`).
  /// @throws trellis::sdk::Error when the last two dimensions are not `[G, in]`.
  at::Tensor forward(const at::Tensor& x);

  /// Re-draws weight and bias.
  void reset_parameters();

  at::Tensor weight;  ///< `[G, in]`
  at::Tensor bias;    ///< `[G]`; undefined when disabled
};

/// Module holder for GeneSpecificLinearImpl.
TORCH_MODULE(GeneSpecificLinear);

}  // namespace trellis::sdk::nn
