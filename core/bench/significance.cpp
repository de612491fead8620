#include "trellis/bench/significance.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "trellis/sdk/log.hpp"
#include "trellis/util/csv.hpp"

namespace trellis::core::bench {

using util::csv_field;

std::string Comparison::significantly_better() const {
  if (!p_value || *p_value >= 0.05 || mean_difference == 0) return "";
  return mean_difference > 0 ? "model" : "baseline";
}

namespace {

bool is_baseline(const std::string& e, const std::vector<std::string>& baselines) {
  return std::find(baselines.begin(), baselines.end(), e) != baselines.end();
}

/// The experiment (among those `wanted` picks) with the best rank of
/// `metric` in the table (its seed mean); "" when none is ranked.
template <class Wanted>
std::string best_of(const GroupTable& t, const std::string& metric, Wanted wanted) {
  const auto ranks = t.ranks.find(metric);
  if (ranks == t.ranks.end()) return "";
  std::string best;
  double best_rank = 0;
  for (const auto& e : t.experiments) {
    const auto r = ranks->second.find(e);
    if (!wanted(e) || r == ranks->second.end()) continue;
    if (best.empty() || r->second < best_rank) {
      best = e;
      best_rank = r->second;
    }
  }
  return best;
}

/// Per seed: condition -> value of `metric` for `experiment` in this table's
/// cells. A cell without conditions (a network run) gives its overall value
/// under "", so such runs pair over seeds.
std::map<std::int64_t, std::map<std::string, double>> per_condition(const BenchResults& results, const GroupTable& t,
                                                                    const std::string& experiment,
                                                                    const std::string& metric) {
  std::map<std::int64_t, std::map<std::string, double>> out;
  for (const auto& cell : results.cells) {
    if (cell.id.dataset != t.dataset || cell.id.split != t.split || cell.id.experiment != experiment) continue;
    if (cell.conditions.empty()) {
      const auto v = cell.overall.find(metric);
      if (v != cell.overall.end() && !std::isnan(v->second)) out[cell.id.seed][""] = v->second;
      continue;
    }
    for (const auto& [condition, values] : cell.conditions) {
      const auto v = values.find(metric);
      if (v != values.end() && !std::isnan(v->second)) out[cell.id.seed][condition] = v->second;
    }
  }
  return out;
}

}  // namespace

std::vector<std::vector<Comparison>> compare_best_to_baselines(const BenchResults& results,
                                                               const std::vector<GroupTable>& tables,
                                                               const std::vector<std::string>& baselines) {
  std::vector<std::vector<Comparison>> all;
  for (const auto& t : tables) {
    std::vector<Comparison> comparisons;
    for (const auto& metric : t.metrics) {
      const auto d = t.directions.find(metric);
      if (d == t.directions.end() || d->second == Direction::unknown) continue;
      Comparison c;
      c.metric = metric;
      c.model = best_of(t, metric, [&](const std::string& e) { return !is_baseline(e, baselines); });
      c.baseline = best_of(t, metric, [&](const std::string& e) { return is_baseline(e, baselines); });
      if (c.model.empty() || c.baseline.empty()) continue;
      const auto model = per_condition(results, t, c.model, metric);
      const auto baseline = per_condition(results, t, c.baseline, metric);
      const double sign = d->second == Direction::higher_is_better ? 1.0 : -1.0;
      std::vector<double> differences;
      for (const auto& [seed, values] : model) {
        const auto other = baseline.find(seed);
        if (other == baseline.end()) continue;
        for (const auto& [condition, value] : values) {
          const auto b = other->second.find(condition);
          if (b != other->second.end()) differences.push_back(sign * (value - b->second));
        }
      }
      c.pairs = differences.size();
      if (differences.empty()) {
        c.mean_difference = std::numeric_limits<double>::quiet_NaN();
        c.interval = {c.mean_difference, c.mean_difference};
      } else {
        double sum = 0;
        for (double x : differences) sum += x;
        c.mean_difference = sum / static_cast<double>(differences.size());
        c.interval = stats::bootstrap_mean_interval(differences);
      }
      if (c.pairs >= kMinimumPairs) {
        c.p_value = stats::wilcoxon_signed_rank(differences).p_value;
      } else {
        sdk::log_warning(t.dataset + " / " + t.split + ": " + c.model + " vs " + c.baseline + " on " + metric +
                         " has " + std::to_string(c.pairs) +
                         " paired value(s) (test conditions x seeds, or seeds for network runs); a significance test needs at least " +
                         std::to_string(kMinimumPairs) + ", so no p-value is given");
      }
      comparisons.push_back(std::move(c));
    }
    all.push_back(std::move(comparisons));
  }
  return all;
}

std::string significance_csv_rows(const std::vector<GroupTable>& tables,
                                  const std::vector<std::vector<Comparison>>& comparisons) {
  std::string text;
  for (std::size_t i = 0; i < tables.size() && i < comparisons.size(); ++i)
    for (const auto& c : comparisons[i]) {
      const std::string prefix = csv_field(c.model) + "," + csv_field(tables[i].dataset) + "," +
                                 csv_field(tables[i].split) + ",pooled," + csv_field("vs " + c.baseline) + ",";
      const auto row = [&](const std::string& statistic, double value) {
        text += prefix + csv_field(c.metric + ":" + statistic) + "," + format_double(value) + "\n";
      };
      row("pairs", static_cast<double>(c.pairs));
      row("mean_difference", c.mean_difference);
      row("ci_low", c.interval.low);
      row("ci_high", c.interval.high);
      if (c.p_value) row("p_value", *c.p_value);
    }
  return text;
}

}  // namespace trellis::core::bench
