#pragma once
// Is the best model's advantage over the best baseline more than noise?
// Per dataset x split and headline metric: a paired comparison over test
// conditions pooled across seeds (Wilcoxon signed-rank, bootstrap CI of the
// mean difference), shown in summary.md, report.html and results.csv.

#include <optional>
#include <string>
#include <vector>

#include "trellis/bench/results.hpp"
#include "trellis/stats/paired_tests.hpp"

namespace trellis::core::bench {

/// Fewer paired values than this give no p-value (a warning says so).
constexpr std::size_t kMinimumPairs = 5;

struct Comparison {
  std::string metric;
  std::string model;     ///< the non-baseline experiment with the best seed mean
  std::string baseline;  ///< the baseline with the best seed mean
  std::size_t pairs = 0;  ///< (seed, condition) pairs scored by both
  double mean_difference = 0;  ///< model - baseline, signed so that + means the model is better
  stats::Interval interval;     ///< 95% bootstrap interval of mean_difference
  std::optional<double> p_value;  ///< Wilcoxon signed-rank, two-sided; none with fewer than kMinimumPairs pairs
  /// "model", "baseline" (whichever is significantly better at p < 0.05) or "" (neither, or no test).
  std::string significantly_better() const;
};

/// The comparisons of every table (in its metric order; metrics without a
/// direction are skipped, and tables without both a model and a baseline
/// get none). Warns through the log when a comparison has too few pairs.
std::vector<std::vector<Comparison>> compare_best_to_baselines(const BenchResults& results,
                                                               const std::vector<GroupTable>& tables,
                                                               const std::vector<std::string>& baselines);

/// results.csv rows of the comparisons: experiment = the model, seed =
/// "pooled", subgroup = "vs <baseline>", metric = "<metric>:<statistic>" for
/// the statistics pairs, mean_difference, ci_low, ci_high and p_value.
std::string significance_csv_rows(const std::vector<GroupTable>& tables,
                                  const std::vector<std::vector<Comparison>>& comparisons);

}  // namespace trellis::core::bench
