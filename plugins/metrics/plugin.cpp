// The metric/* plugin: every metric of METHODS.md "Metrics", and the graph_metric/* network recovery scores.
#include "metrics.hpp"
#include "beeline_scores.hpp"

namespace trellis::metrics {
namespace {
void register_components(sdk::Registrar& r) {
  register_pointwise(r);
  register_direction(r);
  register_rank(r);
  register_distribution(r);
  register_systematic(r);
  register_graph(r);
}
}  // namespace
}  // namespace trellis::metrics

TRELLIS_PLUGIN("metrics", "0.1.0", "Evaluation metrics: GEARS, GRAPE, Ahlmann-Eltze, Systema, cell-eval, rank, distributional; network recovery (BEELINE)", "MIT",
               trellis::metrics::register_components)
