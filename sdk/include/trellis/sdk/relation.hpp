#pragma once
/// @file relation.hpp
/// RelationTyper: assigns each edge of a graph a relation type.

#include "trellis/sdk/data.hpp"
#include "trellis/sdk/export.hpp"
#include "trellis/sdk/kind.hpp"
#include "trellis/sdk/graph.hpp"

namespace trellis::sdk {

/// Returns a copy of `graph` with `edge_type` and `relation_names` set (GRAPE:
/// by the biotype pair of the endpoints; others: by sign, by source graph).
class TRELLIS_SDK_API RelationTyper {
 public:
  virtual ~RelationTyper();
  virtual Graph assign(const Graph& graph, const GeneTable& genes) = 0;
};

TRELLIS_SDK_KIND(RelationTyper, "relation", "Assigns each edge of a graph a relation type")

}  // namespace trellis::sdk
