#pragma once
// Scores an inferred network with graph_metric/* components (task =
// "network", `trellis graph score`).

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "trellis/eval/evaluator.hpp"
#include "trellis/plugin/origin.hpp"
#include "trellis/sdk/graph_metric.hpp"

namespace trellis::core::plugin {
class PluginHost;
}

namespace trellis::core::eval {

/// A graph metric component with the name it is reported under.
struct NamedGraphMetric {
  std::string name;
  std::shared_ptr<sdk::GraphMetric> metric;
  plugin::Origin origin;
};

/// The graph metrics `names` lists (bare names or "graph_metric/auprc"),
/// each built with `options`; every registered graph metric when `names` is
/// empty. An unknown name is an error suggesting the nearest one.
std::vector<NamedGraphMetric> create_graph_metrics(const plugin::PluginHost& host, const std::vector<std::string>& names,
                                                   const nlohmann::json& options = nlohmann::json::object());

/// Runs every metric on `input` (each call guarded: errors name the
/// component); the values are the evaluation's overall row.
Evaluation score_network(const sdk::GraphMetricInput& input, const std::vector<NamedGraphMetric>& metrics);

}  // namespace trellis::core::eval
