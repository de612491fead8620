#pragma once
/// @file gsl.hpp
/// StructureLearner: graph structure learning (GSL), trained with the model.

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include "trellis/sdk/export.hpp"
#include "trellis/sdk/kind.hpp"
#include "trellis/sdk/graph.hpp"
#include "trellis/sdk/requirements.hpp"

namespace trellis::sdk {

struct FitContext;

/// What a structure learner returns each step: a refined graph, a gene x
/// module assignment, or both.
struct TRELLIS_SDK_API GslOutput {
  Graph graph;              ///< refined graph; its weights may carry gradients. Empty (no edge_index) = none
  /// Soft gene x module assignment `[G, K]`, rows summing to 1 (module
  /// induction, e.g. gene-relation clustering); undefined = none.
  at::Tensor assignment;
  at::Tensor regulariser;   ///< scalar added to the loss; undefined = none

  bool has_graph() const { return graph.edge_index.defined(); }
  bool has_assignment() const { return assignment.defined(); }
  /// Throws trellis::sdk::Error when neither is set, when the graph is
  /// inconsistent (Graph::validate), or when `assignment` is not `[G, K]`
  /// float with non-negative rows summing to 1 (within `tolerance`), naming
  /// the first bad row. `num_genes` is G.
  void validate(std::int64_t num_genes, double tolerance = 1e-4) const;
};

/// Node representations + prior graph -> refined graph and/or gene modules,
/// plus a regulariser. A torch module: the host registers every structure
/// learner a neural predictor uses as the predictor's submodule, so its
/// parameters train with the predictor.
class TRELLIS_SDK_API StructureLearner : public torch::nn::Module {
 public:
  ~StructureLearner() override;
  /// The features and graphs this learner reads from the FitContext (e.g.
  /// the encoders its options name); model assembly checks the config
  /// provides them. The default needs nothing.
  virtual Requirements requirements() const { return {}; }
  /// Called once before the predictor's prepare_fit() or prepare_load(),
  /// with the features and graphs built (and `run_dir` set when fitting):
  /// a learner that computes its structure from them (e.g. clustering)
  /// does so here. The default does nothing.
  virtual void prepare(const FitContext& context) { (void)context; }
  /// `node_repr` is `[G, d]`; `prior` a graph over the same G nodes.
  virtual GslOutput learn(const at::Tensor& node_repr, const Graph& prior) = 0;
};

TRELLIS_SDK_KIND(StructureLearner, "gsl", "Graph structure learning: node representations + prior graph -> refined graph and/or gene modules")

}  // namespace trellis::sdk
