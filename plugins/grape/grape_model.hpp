#pragma once
// predictor/grape: the GRAPE heterogeneous GNN (grape_model.cpp).

#include <memory>
#include <string>

#include <ATen/core/Tensor.h>

#include "trellis/sdk/data.hpp"
#include "trellis/sdk/graph.hpp"

namespace trellis::sdk {
class Options;
class Predictor;
class GeneTable;
}  // namespace trellis::sdk

namespace trellis::grape {

std::shared_ptr<sdk::Predictor> make_grape(const sdk::Options& options);

/// Intermediate values of a prepared predictor/grape, for inspection and
/// tests (dynamic_cast the predictor to it). Header-only so callers need
/// not link the plugin.
class GrapeInspect {
 public:
  virtual ~GrapeInspect() = default;
  /// The Gaussian-kernel feature map applied before the modality encoders.
  virtual at::Tensor kernel_map(const at::Tensor& x) const = 0;
  /// `[B, N, hidden]`: per batch row, the node representation the HGNN
  /// receives (fused features with the perturbation applied), in the
  /// current train/eval mode.
  virtual at::Tensor node_input(const sdk::Batch& batch) = 0;
  /// The learned, relation-typed graph predict() uses (eval mode).
  virtual sdk::Graph learned_graph() = 0;
};

}  // namespace trellis::grape
