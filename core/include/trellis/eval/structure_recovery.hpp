#pragma once
// Edge lists of gene-gene graphs for structure recovery (`trellis graph
// score`): reading them, writing a model's graphs, drawing a random graph.
// The scores themselves are graph_metric/* components (plugins/metrics).

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "trellis/sdk/graph_tsv.hpp"

namespace trellis::sdk {
struct ScoredEdges;
}  // namespace trellis::sdk

namespace trellis::core::eval {

/// Weighted edges between named genes.
struct EdgeList {
  std::vector<std::string> source;
  std::vector<std::string> target;
  std::vector<double> weight;  ///< a higher |weight| ranks an edge earlier
  std::size_t size() const { return source.size(); }
};

/// Reads a TSV with a header: the first two columns are the endpoints (any
/// names, e.g. source/target or regulator/target), and a column named
/// `weight` (if any) gives the score. Errors name the file and line.
EdgeList read_edge_list(const std::filesystem::path& file);

/// Writes `graph` as `source target weight relation` (gene symbols) atomically.
using sdk::write_graph_tsv;

/// `edges` edges drawn uniformly without replacement among pairs of `nodes`.
EdgeList random_graph(const std::vector<std::string>& nodes, std::int64_t edges, std::uint64_t seed);

/// `edges` as an inferred network for graph_metric/* components: the
/// endpoints as regulator and target, |weight| as the score.
sdk::ScoredEdges scored_edges(const EdgeList& edges);

}  // namespace trellis::core::eval
