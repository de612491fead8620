#include "trellis/eval/graph_scoring.hpp"

#include <set>

#include "trellis/plugin/plugin_host.hpp"
#include "trellis/sdk/error.hpp"

namespace trellis::core::eval {

std::vector<NamedGraphMetric> create_graph_metrics(const plugin::PluginHost& host, const std::vector<std::string>& names,
                                                   const nlohmann::json& options) {
  const std::string kind = sdk::kind_name<sdk::GraphMetric>();
  std::vector<std::string> wanted = names;
  if (wanted.empty())
    for (const plugin::Component* c : host.components(kind)) wanted.push_back(c->spec.name);
  if (wanted.empty())
    throw sdk::Error("no graph_metric component is loaded; the metrics plugin provides them (see `trellis plugins list "
                     "--kind graph_metric`)");
  std::vector<NamedGraphMetric> metrics;
  std::set<std::string> seen;
  const std::string prefix = kind + "/";
  for (const std::string& requested : wanted) {
    const std::string name = requested.rfind(prefix, 0) == 0 ? requested.substr(prefix.size()) : requested;
    if (!seen.insert(name).second) throw sdk::Error("graph metric '" + name + "' is listed twice in the metrics to compute");
    plugin::Origin origin;
    auto metric = host.create<sdk::GraphMetric>(name, options, "eval", &origin);
    metrics.push_back({name, std::move(metric), std::move(origin)});
  }
  return metrics;
}

Evaluation score_network(const sdk::GraphMetricInput& input, const std::vector<NamedGraphMetric>& metrics) {
  Evaluation result;
  for (const auto& m : metrics) {
    const double value = plugin::guarded(m.origin, "compute", [&] { return m.metric->compute(input); });
    result.metrics.push_back(m.name);
    result.directions[m.name] = m.metric->direction();
    result.overall[m.name] = value;
  }
  return result;
}

}  // namespace trellis::core::eval
