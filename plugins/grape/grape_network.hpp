#pragma once
// predictor/grape as a NetworkInferrer (task = "network"): its learned,
// relation-typed graph as a scored regulator -> target edge list.

#include "trellis/sdk/data.hpp"
#include "trellis/sdk/graph.hpp"
#include "trellis/sdk/network.hpp"

namespace trellis::grape {

/// The edges of `graph` (nodes = rows of `genes`) by gene symbol: source as
/// regulator, target as target, the edge weight (1 when unweighted) as the
/// score. An edge in several relations appears once per relation; graph
/// metrics keep a pair's highest score.
sdk::ScoredEdges scored_edges(const sdk::Graph& graph, const sdk::GeneTable& genes);

}  // namespace trellis::grape
