#pragma once
// How well a ranked network recovers a truth network: average precision
// (area under the precision-recall curve) and early precision, each also as
// the ratio to a random ranking's expectation (BEELINE's convention,
// METHODS.md). Shared by the graph_metric/* components.

#include <cstdint>

#include "trellis/sdk/graph_metric.hpp"
#include "trellis/sdk/plugin.hpp"

namespace trellis::metrics {

struct Recovery {
  std::int64_t candidates = 0;     ///< pairs a network could list (the denominator of the density)
  std::int64_t edges = 0;          ///< distinct candidate pairs the prediction lists
  std::int64_t true_edges = 0;     ///< distinct candidate pairs of the truth
  double density = 0;              ///< true_edges / candidates: a random ranking's precision
  double auprc = 0;                ///< average precision over all candidate pairs
  double early_precision = 0;      ///< precision of the top true_edges pairs
};

/// Scores `input.predicted` against `input.truth`. Candidate pairs join two
/// different genes of `input.genes`; with `directed` a pair is an ordered
/// regulator -> target pair whose regulator is in `input.regulators` (every
/// gene when empty), else an unordered pair with at least one regulator
/// among its ends. Edges outside the candidates are ignored; a pair listed
/// twice takes its highest score. Pairs the prediction lacks rank after its
/// edges in random order: their share of the average precision and of the
/// early precision is its expectation. Ties among listed pairs keep the
/// order of the pairs (regulator, then target, by position in `genes`).
/// Throws trellis::sdk::Error when no truth edge is a candidate.
Recovery score_recovery(const sdk::GraphMetricInput& input, bool directed);

/// Registers graph_metric/* (graph_metrics.cpp).
void register_graph(sdk::Registrar& r);

}  // namespace trellis::metrics
