#pragma once
// Scores a predictor's test predictions with metric/* components: per
// condition, averaged overall and per split subgroup; writes the results.

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "trellis/plugin/origin.hpp"
#include "trellis/preprocess/pipeline.hpp"
#include "trellis/sdk/data.hpp"
#include "trellis/sdk/metric.hpp"

namespace trellis::core::plugin {
class PluginHost;
}

namespace trellis::core::eval {

/// A metric component with the name it is reported under ("mse" for metric/mse).
struct NamedMetric {
  std::string name;
  std::shared_ptr<sdk::Metric> metric;
  plugin::Origin origin;  ///< for errors the metric throws
};

/// The metrics `names` lists (bare names, "mse" or "metric/mse"); every
/// registered metric when `names` is empty. An unknown name is an error that
/// suggests the nearest registered metric.
std::vector<NamedMetric> create_metrics(const plugin::PluginHost& host, const std::vector<std::string>& names);

/// What to score.
struct EvaluationInput {
  const sdk::Screen* screen = nullptr;                         ///< observed cells (distributional metrics)
  const preprocess::Preprocessed* preprocessed = nullptr;      ///< pseudobulk, control mean, DE rankings
  std::vector<std::int64_t> conditions;                        ///< indices into screen->conditions
  at::Tensor predicted;                                        ///< [conditions, G_measured]
  std::vector<at::Tensor> predicted_cells;                     ///< empty, or [n_i, G] per condition (undefined: none for it)
  std::map<std::string, std::vector<std::string>> subgroups;   ///< subgroup -> condition names
  std::vector<std::int64_t> reference_conditions;              ///< training conditions: their perturbed mean is
                                                               ///< MetricInput::perturbed_mean
};

/// Results. A metric that is undefined for a condition (NaN, e.g. Pearson
/// of a constant vector, or a distributional metric without sampled cells)
/// is left out of that condition and of the averages.
struct Evaluation {
  std::vector<std::string> metrics;                              ///< in the order computed
  std::map<std::string, sdk::Direction> directions;
  std::vector<std::string> conditions;                           ///< in input order
  std::map<std::string, std::map<std::string, double>> per_condition;  ///< condition -> metric -> value
  std::map<std::string, double> overall;                               ///< metric -> mean over conditions
  std::map<std::string, std::map<std::string, double>> subgroups;      ///< subgroup -> metric -> mean (subgroups
                                                                       ///< with no scored condition left out)
};

/// Checks the prediction's shape and finiteness (errors name the predictor's
/// first bad condition), builds one sdk::MetricInput per condition and runs
/// every metric.
Evaluation evaluate(const EvaluationInput& input, const std::vector<NamedMetric>& metrics);

/// The mean of one metric over `conditions` (for early stopping on validation).
double score(const EvaluationInput& input, const NamedMetric& metric);

/// Writes `dir/metrics.json` ({"overall", "subgroups", "conditions",
/// "directions"}) and `dir/metrics.csv` (columns scope,name,metric,value with
/// scope overall / subgroup / condition; name is empty for overall), each
/// atomically; metrics in the order computed, values that round-trip.
void write_metrics(const Evaluation& evaluation, const std::filesystem::path& dir);

/// Writes `dir/top_de.csv`: for each scored condition its top `k` DE genes
/// (columns condition,rank,gene,control,observed,predicted,observed_delta,predicted_delta).
void write_top_de(const EvaluationInput& input, const std::vector<std::string>& gene_names,
                  const std::filesystem::path& dir, std::size_t k = 20);

/// A short aligned table of overall and per-subgroup values for `metrics`
/// (all when empty), for the terminal.
std::string format_table(const Evaluation& evaluation, const std::vector<std::string>& metrics = {});

}  // namespace trellis::core::eval
