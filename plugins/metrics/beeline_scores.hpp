#pragma once
// How well a ranked network recovers a truth network, computed exactly as
// BEELINE computes it (Pratapa et al. 2020; Murali-group/Beeline BLEval,
// docs/evaluation.rst "Network metrics"). Shared by the graph_metric/*
// components (graph_metrics.cpp).

#include <cstdint>

#include "trellis/sdk/graph_metric.hpp"
#include "trellis/sdk/plugin.hpp"

namespace trellis::metrics {

/// Which area under the precision-recall curve.
enum class PrCurve {
  trapezoid,       ///< sklearn's precision_recall_curve + auc (BEELINE's BLEval/AUPRC.py)
  davis_goadrich,  ///< PRROC's interpolated area (BEELINE's 2020 paper, BLEval/computeDGAUC.py)
};

struct AreaScores {
  std::int64_t genes = 0;       ///< n: the truth network's genes (the ends of its edges)
  std::int64_t candidates = 0;  ///< n (n - 1) ordered pairs, or n (n - 1) / 2 unordered
  std::int64_t true_edges = 0;  ///< distinct truth pairs among them
  double auprc = 0;
  double auroc = 0;
  double density() const { return static_cast<double>(true_edges) / static_cast<double>(candidates); }
};

/// AUPRC and AUROC over every pair of two different truth genes: a pair's
/// label is whether the truth lists it, its score the largest |weight| the
/// prediction gives it, 0 when unlisted. Tied scores are one threshold.
/// Undirected: a pair is unordered and matches either orientation.
/// Throws trellis::sdk::Error when no pair, or every pair, is a true edge.
AreaScores area_scores(const sdk::GraphMetricInput& input, bool directed, PrCurve curve);

struct EarlyScores {
  std::int64_t candidates = 0;  ///< pairs the density is over
  std::int64_t true_edges = 0;  ///< k
  std::int64_t selected = 0;    ///< predictions at or above the k-th |weight|
  double early_precision = 0;   ///< true among the selected / selected
  double ratio() const {
    return early_precision / (static_cast<double>(true_edges) / static_cast<double>(candidates));
  }
};

/// BEELINE's early precision (BLEval/EarlyPrecision.py): k = distinct truth
/// edges without self-loops; predictions (self-loops dropped, a pair listed
/// twice at its largest |weight|) ranked by |weight|; every prediction at or
/// above the min(k, listed)-th |weight| is taken (ties included), zeros only
/// when nothing else is listed; precision among them. `tf_edges` keeps only
/// candidates regulator -> gene, the regulators being the truth's sources
/// and the genes its ends; otherwise every listed pair competes. The random
/// expectation is k over nTF (n - 1) (tf_edges) or n (n - 1) pairs.
EarlyScores early_scores(const sdk::GraphMetricInput& input, bool directed, bool tf_edges);

/// Registers graph_metric/* (graph_metrics.cpp).
void register_graph(sdk::Registrar& r);

}  // namespace trellis::metrics
