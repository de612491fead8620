#pragma once
/// @file adapter.hpp
/// Adapter: transforms gene embeddings using graphs, in a slot a predictor exposes.

#include <cstdint>

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include "trellis/sdk/export.hpp"
#include "trellis/sdk/kind.hpp"
#include "trellis/sdk/requirements.hpp"

namespace trellis::sdk {

struct FitContext;

/// Transforms gene embeddings `[..., G, d]` into embeddings of the same
/// shape, using graphs and features of the context (e.g. GRNFormer's
/// topological adapter with edge perturbation). A predictor names its slots
/// in Requirements::adapter_slots; the host builds `[model.adapters.<slot>]`
/// into FitContext::adapters and registers each adapter as a submodule of
/// the predictor, so its parameters train with it.
class TRELLIS_SDK_API Adapter : public torch::nn::Module {
 public:
  ~Adapter() override;
  /// The features and graphs this adapter reads from the FitContext; model
  /// assembly checks the config provides them. The default needs nothing.
  virtual Requirements requirements() const { return {}; }
  /// Called by the predictor before training or loading; `dim` is the width
  /// d of the embeddings its slot passes. Create parameters here.
  virtual void prepare(const FitContext& context, std::int64_t dim) = 0;
  /// `[..., G, d]` -> `[..., G, d]`.
  virtual at::Tensor adapt(const at::Tensor& embeddings) = 0;
};

TRELLIS_SDK_KIND(Adapter, "adapter", "Transforms gene embeddings [.., G, d] using graphs, in a predictor's adapter slot")

}  // namespace trellis::sdk
