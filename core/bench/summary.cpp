#include "trellis/bench/summary.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace trellis::core::bench {

std::string row_label(const std::string& experiment, const std::vector<std::string>& baselines) {
  const bool baseline = std::find(baselines.begin(), baselines.end(), experiment) != baselines.end();
  return baseline ? experiment + " (baseline)" : experiment;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "nan";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4g", value);
  return buffer;
}

std::string format_stat(const Stat& stat) {
  if (stat.n == 0) return "–";
  if (std::isnan(stat.sd)) return format_value(stat.mean);
  // Equal values can leave rounding noise (7.85e-17) in the sd: that is 0.
  const double sd = stat.sd <= 1e-12 * std::abs(stat.mean) ? 0.0 : stat.sd;
  return format_value(stat.mean) + " ± " + format_value(sd);
}

namespace {

// Markdown table cells must not contain a pipe.
std::string md(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

std::string direction_arrow(Direction d) {
  return d == Direction::higher_is_better ? " ↑" : d == Direction::lower_is_better ? " ↓" : "";
}

}  // namespace

std::string first_place(const GroupTable& table, const std::vector<std::string>& baselines) {
  if (table.mean_ranks.empty()) return "";
  const double best = table.mean_ranks.front().second;
  std::vector<std::string> top;
  for (const auto& [e, r] : table.mean_ranks)
    if (std::abs(r - best) <= 1e-9 * std::max(1.0, std::abs(best))) top.push_back(e);
  const auto is_baseline = [&](const std::string& e) {
    return std::find(baselines.begin(), baselines.end(), e) != baselines.end();
  };
  const std::string where = " on " + table.dataset + " / " + table.split + ".";
  if (top.size() == 1)
    return (is_baseline(top[0]) ? "The baseline " : "") + top[0] + " ranks first overall" + where;
  std::string names;
  for (std::size_t i = 0; i < top.size(); ++i) {
    names += i == 0 ? "" : i + 1 == top.size() ? " and " : ", ";
    names += row_label(top[i], baselines);
  }
  return names + " tie for first overall" + where;
}

std::string significance_mark(const std::vector<Comparison>& comparisons, const std::string& experiment,
                              const std::string& metric) {
  for (const auto& c : comparisons) {
    if (c.metric != metric) continue;
    const std::string better = c.significantly_better();
    if ((better == "model" && c.model == experiment) || (better == "baseline" && c.baseline == experiment))
      return "†";
  }
  return "";
}

std::string comparison_reading(const Comparison& c) {
  if (!c.p_value)
    return "too few pairs for a test (" + std::to_string(c.pairs) + " < " + std::to_string(kMinimumPairs) + ")";
  const std::string p = "p = " + format_value(*c.p_value);
  const std::string better = c.significantly_better();
  if (better.empty()) return "not significant (" + p + ")";
  return (better == "model" ? c.model : c.baseline) + " better (" + p + ")";
}

const char* const kSignificanceNote =
    "Best model vs best baseline per metric (by seed mean), paired over the test conditions of every seed (over "
    "seeds for network runs, which have no test conditions; with 5 seeds the smallest two-sided p is 0.0625): "
    "Wilcoxon signed-rank test (two-sided) and a 95% bootstrap interval of the mean difference, signed so that "
    "a positive difference favours the model. † in the table above marks the significantly better of the two "
    "(p < 0.05); p-values are not corrected for the number of metrics.";

std::string summary_markdown(const SummaryContext& context, const std::vector<GroupTable>& tables,
                             const std::vector<std::vector<Comparison>>& comparisons,
                             const std::vector<CellFailure>& failures) {
  std::string out = "# Bench " + md(context.name) + "\n\n";
  out += "Mean ± standard deviation (ddof = 1) over split seeds of each metric's mean over test conditions; "
         "↑ higher is better, ↓ lower is better; the best per metric in **bold**. Every metric and subgroup is "
         "in results.csv.\n";
  if (tables.empty()) out += "\nNo finished cells.\n";
  for (std::size_t ti = 0; ti < tables.size(); ++ti) {
    const GroupTable& t = tables[ti];
    static const std::vector<Comparison> none;
    const std::vector<Comparison>& tests = ti < comparisons.size() ? comparisons[ti] : none;
    out += "\n## " + md(t.dataset) + " / " + md(t.split) + "\n\n| experiment |";
    for (const auto& m : t.metrics) {
      const auto d = t.directions.find(m);
      out += " " + md(m) + (d == t.directions.end() ? "" : direction_arrow(d->second)) + " |";
    }
    out += "\n|---|";
    for (std::size_t i = 0; i < t.metrics.size(); ++i) out += "---|";
    out += "\n";
    for (const auto& e : t.experiments) {
      out += "| " + md(row_label(e, context.baselines)) + " |";
      for (const auto& m : t.metrics) {
        const Stat& s = t.stats.at(e).at(m);
        std::string cell = format_stat(s);
        if (s.n > 0 && s.n < context.seeds) cell += " (n=" + std::to_string(s.n) + ")";
        const auto best = t.best.find(m);
        if (best != t.best.end() && std::find(best->second.begin(), best->second.end(), e) != best->second.end())
          cell = "**" + cell + "**";
        out += " " + cell + significance_mark(tests, e, m) + " |";
      }
      out += "\n";
    }
    if (!tests.empty()) {
      out += "\n" + std::string(kSignificanceNote) +
             "\n\n| metric | model | baseline | pairs | mean difference | 95% interval | reading |\n"
             "|---|---|---|---|---|---|---|\n";
      for (const auto& c : tests)
        out += "| " + md(c.metric) + " | " + md(c.model) + " | " + md(c.baseline) + " | " + std::to_string(c.pairs) +
               " | " + format_value(c.mean_difference) + " | [" + format_value(c.interval.low) + ", " +
               format_value(c.interval.high) + "] | " + md(comparison_reading(c)) + " |\n";
    }
    if (!t.improvement.empty()) {
      out += "\nImprovement over " + md(t.reference) +
             ": per seed the experiment's value minus " + md(t.reference) +
             "'s, signed so that a positive value is better; mean ± sd over seeds.\n\n| experiment |";
      for (const auto& m : t.metrics) out += " " + md(m) + " |";
      out += "\n|---|";
      for (std::size_t i = 0; i < t.metrics.size(); ++i) out += "---|";
      out += "\n";
      for (const auto& e : t.experiments) {
        const auto row = t.improvement.find(e);
        if (row == t.improvement.end()) continue;
        out += "| " + md(row_label(e, context.baselines)) + " |";
        for (const auto& m : t.metrics) {
          const auto v = row->second.find(m);
          out += " " + (v == row->second.end() ? std::string("–") : format_stat(v->second)) + " |";
        }
        out += "\n";
      }
    }
    if (t.mean_ranks.empty()) continue;
    out += "\nMean rank over the metrics above (per metric, experiments ranked by their seed mean; 1 = best, "
           "ties share the average rank; a metric an experiment lacks is left out of its mean):\n\n"
           "| experiment | mean rank |\n|---|---|\n";
    for (const auto& [e, r] : t.mean_ranks) out += "| " + md(row_label(e, context.baselines)) + " | " + format_value(r) + " |\n";
    out += "\n" + md(first_place(t, context.baselines)) + "\n";
  }
  out += "\n## Failed cells\n\n";
  if (failures.empty()) {
    out += "None.\n";
  } else {
    out += "They run again on the next `trellis bench` with the same output folder; see each cell's error.txt "
           "and log.txt.\n\n| experiment | dataset | split | seed | error |\n|---|---|---|---|---|\n";
    for (const auto& f : failures)
      out += "| " + md(f.id.experiment) + " | " + md(f.id.dataset) + " | " + md(f.id.split) + " | " +
             std::to_string(f.id.seed) + " | " + md(f.error) + " |\n";
  }
  return out;
}

}  // namespace trellis::core::bench
