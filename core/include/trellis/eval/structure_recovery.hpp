#pragma once
// How well a gene-gene graph recovers a known regulatory network (the
// simulated screen's, or a curated one): area under the precision-recall
// curve and early precision, each also as a ratio to a random graph's
// expected value (BEELINE's convention). Edges are compared undirected.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "trellis/sdk/graph_tsv.hpp"

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

struct RecoveryScore {
  std::int64_t edges = 0;          ///< distinct undirected pairs in the graph
  std::int64_t true_edges = 0;     ///< distinct undirected pairs of the truth among `nodes`
  double density = 0;              ///< true_edges / possible pairs: a random ranking's precision
  double auprc = 0;                ///< average precision over all pairs
  double auprc_ratio = 0;          ///< auprc / density
  double early_precision = 0;      ///< precision of the top true_edges pairs
  double early_precision_ratio = 0;  ///< early_precision / density (EPR)
};

/// Scores `graph` against `truth` over the pairs of `nodes` (edges naming
/// other genes are ignored). Pairs the graph lacks rank after its edges, in
/// random order: their share of the average precision is its expectation.
RecoveryScore score_recovery(const EdgeList& graph, const EdgeList& truth, const std::vector<std::string>& nodes);

}  // namespace trellis::core::eval
