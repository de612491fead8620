#pragma once
/// @file graph_encoder.hpp
/// A stack of SAGE, GCN, GIN, GAT or SGConv layers over one graph, and the fixed-size
/// neighbour sampling GraphSAGE trains with (adapter/grn_topological,
/// network/cell_transformer_gnn).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "trellis/sdk/export.hpp"

namespace trellis::sdk::nn {

/// The edges of `edge_index` ([2, E], row 1 = targets) with at most `k`
/// in-edges kept per target node, drawn uniformly without replacement from
/// `generator`; targets with at most `k` keep all of theirs. Edges keep
/// their original order. `k` <= 0, or no target with more than `k`, keeps
/// every edge without drawing.
TRELLIS_SDK_API at::Tensor sample_in_edges(const at::Tensor& edge_index, std::int64_t num_nodes, std::int64_t k,
                           at::Generator& generator);

/// Layers "sage" (mean aggregation), "gcn", "gin", "gat" (4 heads,
/// averaged) or "sgconv" (K = 1), widths
/// in -> hidden -> ... -> hidden, ReLU between layers.
/// @throws trellis::sdk::Error for another kind.
class TRELLIS_SDK_API GraphEncoderImpl : public torch::nn::Module {
 public:
  GraphEncoderImpl(const std::string& kind, std::int64_t in, std::int64_t hidden, std::int64_t layers);
  /// `x` [N, in] over the graph's nodes, `edge_index` [2, E] node ids.
  /// With `neighbours` non-empty (training), layer l aggregates over at
  /// most neighbours[l] sampled in-neighbours per node.
  at::Tensor forward(const at::Tensor& x, const at::Tensor& edge_index, const std::vector<std::int64_t>& neighbours,
                     at::Generator* generator);

 private:
  /// Layer l as (x, edge_index) -> x'.
  std::vector<std::function<at::Tensor(const at::Tensor&, const at::Tensor&)>> layers_;
};
/// Module holder for GraphEncoderImpl.
TORCH_MODULE(GraphEncoder);

}  // namespace trellis::sdk::nn
