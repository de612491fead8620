#include "trellis/sdk/graph.hpp"

#include <ATen/ATen.h>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/tensor_text.hpp"

namespace trellis::sdk {

std::int64_t Graph::num_edges() const { return edge_index.defined() ? edge_index.size(1) : 0; }

at::Tensor Graph::weights_or_ones() const {
  if (weight.defined()) return weight;
  return at::ones({num_edges()}, at::kFloat);
}

void Graph::validate() const {
  const std::string who = "graph '" + name + "'";
  if (!edge_index.defined()) throw Error(who + ": edge_index is not set");
  if (edge_index.dim() != 2 || edge_index.size(0) != 2)
    throw Error(who + ": edge_index must have shape [2, E], got " + shape_of(edge_index));
  if (edge_index.scalar_type() != at::kLong)
    throw Error(who + ": edge_index must be int64, got " + std::string(at::toString(edge_index.scalar_type())));
  if (num_nodes < 0) throw Error(who + ": num_nodes is negative");
  const std::int64_t e = num_edges();
  if (e > 0) {
    const std::int64_t lo = edge_index.min().item<std::int64_t>();
    const std::int64_t hi = edge_index.max().item<std::int64_t>();
    if (lo < 0 || hi >= num_nodes)
      throw Error(who + ": node ids must lie in [0, " + std::to_string(num_nodes) + "), found " +
                  std::to_string(lo < 0 ? lo : hi));
  }
  if (weight.defined()) {
    if (weight.dim() != 1 || weight.size(0) != e)
      throw Error(who + ": weight must have shape [" + std::to_string(e) + "], got " + shape_of(weight));
    if (!at::isFloatingType(weight.scalar_type())) throw Error(who + ": weight must be floating point");
    if (e > 0 && !at::isfinite(weight).all().item<bool>()) throw Error(who + ": weight has NaN or Inf values");
  }
  if (edge_type.defined()) {
    if (edge_type.dim() != 1 || edge_type.size(0) != e)
      throw Error(who + ": edge_type must have shape [" + std::to_string(e) + "], got " + shape_of(edge_type));
    if (e > 0) {
      const std::int64_t lo = edge_type.min().item<std::int64_t>();
      const std::int64_t hi = edge_type.max().item<std::int64_t>();
      if (lo < 0 || hi >= static_cast<std::int64_t>(relation_names.size()))
        throw Error(who + ": relation ids must lie in [0, " + std::to_string(relation_names.size()) +
                    ") (one name per relation), found " + std::to_string(lo < 0 ? lo : hi));
    }
  }
}

Graph Graph::relation_subgraph(std::int64_t relation) const {
  if (!edge_type.defined()) throw Error("graph '" + name + "' has no relation types");
  if (relation < 0 || relation >= static_cast<std::int64_t>(relation_names.size()))
    throw Error("graph '" + name + "' has no relation " + std::to_string(relation));
  const at::Tensor keep = (edge_type == relation).nonzero().squeeze(1);
  Graph sub;
  sub.name = name + "/" + relation_names[relation];
  sub.num_nodes = num_nodes;
  sub.edge_index = edge_index.index_select(1, keep);
  if (weight.defined()) sub.weight = weight.index_select(0, keep);
  return sub;
}

}  // namespace trellis::sdk
