#pragma once
// Shared by the similarity graphs: per-gene top-k selection and turning
// edge lists into an sdk::Graph.

#include <cstdint>
#include <string>
#include <vector>

#include "trellis/sdk/graph.hpp"

namespace trellis::graphs {

/// A candidate neighbour of a gene and its similarity.
struct Scored {
  std::int64_t partner = 0;
  double score = 0;
};

/// Keeps the candidates with score > `threshold`, then the `k` best of those,
/// ordered by score (descending) with ties broken by the smaller partner
/// index, so the result does not depend on the input order.
void keep_top_k(std::vector<Scored>& candidates, std::int64_t k, double threshold);

/// The graph with an edge partner -> gene for every entry of
/// `neighbours[gene]`: each gene aggregates messages from its own top-k
/// partners, the direction of GEARS's edge lists (source = partner,
/// target = the gene whose top-k they are). `node_of[i]` maps a row of
/// `neighbours` and a partner id to a node id; empty means the identity.
sdk::Graph graph_from_neighbours(const std::string& name, std::int64_t num_nodes,
                                 const std::vector<std::vector<Scored>>& neighbours,
                                 const std::vector<std::int64_t>& node_of = {});

/// `x` with 4 significant digits, for messages.
std::string format_number(double x);

/// A graph from parallel edge arrays (sources, targets, weights).
sdk::Graph graph_from_edges(const std::string& name, std::int64_t num_nodes, const std::vector<std::int64_t>& sources,
                            const std::vector<std::int64_t>& targets, const std::vector<float>& weights);

}  // namespace trellis::graphs
