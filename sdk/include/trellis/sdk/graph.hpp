#pragma once
/// @file graph.hpp
/// A gene-gene graph in the edge-list form every graph layer consumes.

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "trellis/sdk/export.hpp"

namespace trellis::sdk {

/// A directed, weighted graph over the genes of the universe.
///
/// Edge `e` goes from `edge_index[0][e]` (source) to `edge_index[1][e]`
/// (target); messages flow from source to target, as in PyTorch Geometric.
struct TRELLIS_SDK_API Graph {
  std::string name;             ///< e.g. "go", "coexpression"
  std::int64_t num_nodes = 0;   ///< genes of the universe
  at::Tensor edge_index;        ///< [2, E] int64
  at::Tensor weight;            ///< [E] floating point; undefined means all ones
  at::Tensor edge_type;         ///< [E] int64 relation ids; undefined until typed
  std::vector<std::string> relation_names;  ///< name of each relation id

  std::int64_t num_edges() const;
  /// The weights, or a tensor of ones when none are set.
  at::Tensor weights_or_ones() const;
  /// Throws trellis::sdk::Error describing the first inconsistency: shapes,
  /// dtypes, node ids out of [0, num_nodes), relation ids out of range,
  /// non-finite weights.
  void validate() const;
  /// The subgraph of edges with relation id `relation`.
  Graph relation_subgraph(std::int64_t relation) const;
};

}  // namespace trellis::sdk
