#pragma once
/// @file gsl.hpp
/// StructureLearner: graph structure learning (GSL), trained with the model.

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include "trellis/sdk/export.hpp"
#include "trellis/sdk/graph.hpp"

namespace trellis::sdk {

/// What a structure learner returns each step.
struct TRELLIS_SDK_API GslOutput {
  Graph graph;              ///< refined graph; its weights may carry gradients
  at::Tensor regulariser;   ///< scalar added to the loss; undefined = none
};

/// Node representations + prior graph -> refined graph + regulariser. A
/// torch module: its parameters train with the predictor that owns it.
class TRELLIS_SDK_API StructureLearner : public torch::nn::Module {
 public:
  ~StructureLearner() override;
  /// `node_repr` is `[G, d]`; `prior` a graph over the same G nodes.
  virtual GslOutput learn(const at::Tensor& node_repr, const Graph& prior) = 0;
};

}  // namespace trellis::sdk
