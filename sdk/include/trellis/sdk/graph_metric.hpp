#pragma once
/// @file graph_metric.hpp
/// GraphMetric: scores an inferred network against a truth network.

#include <string>
#include <vector>

#include "trellis/sdk/export.hpp"
#include "trellis/sdk/kind.hpp"
#include "trellis/sdk/metric.hpp"
#include "trellis/sdk/network.hpp"

namespace trellis::sdk {

/// What a graph metric scores. The host restricts the truth to edges
/// between two measured genes (`genes`); BEELINE's metrics then range over
/// the truth's own genes, its sources being the regulators.
struct TRELLIS_SDK_API GraphMetricInput {
  ScoredEdges predicted;                ///< the inferred network
  std::vector<std::pair<std::string, std::string>> truth;  ///< true regulator -> target edges
  std::vector<std::string> genes;       ///< the genes both networks are over
  std::uint64_t seed = 0;               ///< for metrics that break ties or draw random baselines
};

/// Scores an inferred network (registered as `graph_metric/<name>`).
class TRELLIS_SDK_API GraphMetric {
 public:
  virtual ~GraphMetric();
  virtual Direction direction() const = 0;
  virtual double compute(const GraphMetricInput& input) const = 0;
};

TRELLIS_SDK_KIND(GraphMetric, "graph_metric", "Scores an inferred network against a truth network")

}  // namespace trellis::sdk
