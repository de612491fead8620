#include "trellis/bench/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "trellis/bench/svg.hpp"
#include "trellis/sdk/suggest.hpp"

namespace trellis::core::bench {

namespace {

using svg::escape;

const char* kStyle = R"(
body { font-family: sans-serif; margin: 24px auto; max-width: 1300px; color: #222; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ddd; } h3 { font-size: 15px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #f3f3f3; }
td.best { font-weight: bold; background: #eaf5ea; }
.note { color: #555; font-size: 13px; }
.panels { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
dl { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; font-size: 13px; }
dt { font-weight: bold; }
)";

std::string group_title(const GroupTable& t) { return t.dataset + " / " + t.split; }

std::string format_bytes(double bytes) {
  char buffer[32];
  if (bytes >= 1024.0 * 1024 * 1024)
    std::snprintf(buffer, sizeof buffer, "%.2f GiB", bytes / (1024.0 * 1024 * 1024));
  else
    std::snprintf(buffer, sizeof buffer, "%.0f MiB", bytes / (1024.0 * 1024));
  return buffer;
}

std::string provenance(const ReportContext& context, const BenchResults& results) {
  std::set<std::string> versions, commits;
  std::vector<double> walls, rss;
  for (const auto& c : results.cells) {
    if (!c.trellis_version.empty()) versions.insert(c.trellis_version);
    if (!c.git_commit.empty()) commits.insert(c.git_commit);
    if (c.wall_seconds) walls.push_back(*c.wall_seconds);
    if (c.peak_rss_bytes) rss.push_back(*c.peak_rss_bytes);
  }
  auto joined = [](const std::set<std::string>& s) {
    if (s.empty()) return std::string("unknown");
    return sdk::join({s.begin(), s.end()});
  };
  std::vector<std::string> seed_names;
  for (const auto s : context.seeds) seed_names.push_back(std::to_string(s));
  const std::string seeds = sdk::join(seed_names);
  std::string out = "<dl>";
  auto item = [&](const std::string& k, const std::string& v) { out += "<dt>" + escape(k) + "</dt><dd>" + escape(v) + "</dd>"; };
  item("bench file", context.bench_file);
  item("date", context.date);
  item("trellis version", joined(versions));
  item("git commit", joined(commits));
  item("split seeds", seeds);
  item("parallel cells (--jobs)", std::to_string(context.jobs));
  item("cells", std::to_string(results.cells.size()) + " finished, " + std::to_string(results.failures.size()) + " failed");
  if (!walls.empty()) {
    std::sort(walls.begin(), walls.end());
    double total = 0;
    for (double w : walls) total += w;
    char buffer[128];
    std::snprintf(buffer, sizeof buffer, "median %.1f s, max %.1f s, total %.1f s", walls[walls.size() / 2], walls.back(), total);
    item("wall time per cell", buffer);
  }
  if (!rss.empty()) {
    std::sort(rss.begin(), rss.end());
    item("peak RSS per cell", "median " + format_bytes(rss[rss.size() / 2]) + ", max " + format_bytes(rss.back()));
  }
  return out + "</dl>";
}

std::string stats_table(const ReportContext& context, const GroupTable& t, const std::vector<Comparison>& tests) {
  std::string out = "<table><tr><th>experiment</th>";
  for (const auto& m : t.metrics) {
    const auto d = t.directions.find(m);
    const std::string arrow = d == t.directions.end()                        ? ""
                              : d->second == Direction::higher_is_better ? " ↑"
                              : d->second == Direction::lower_is_better  ? " ↓"
                                                                           : "";
    out += "<th>" + escape(m) + arrow + "</th>";
  }
  out += "</tr>";
  for (const auto& e : t.experiments) {
    out += "<tr><td>" + escape(row_label(e, context.summary.baselines)) + "</td>";
    for (const auto& m : t.metrics) {
      const Stat& s = t.stats.at(e).at(m);
      std::string cell = format_stat(s);
      if (s.n > 0 && s.n < context.summary.seeds) cell += " (n=" + std::to_string(s.n) + ")";
      const auto best = t.best.find(m);
      const bool is_best =
          best != t.best.end() && std::find(best->second.begin(), best->second.end(), e) != best->second.end();
      out += std::string(is_best ? "<td class=\"best\">" : "<td>") + escape(cell + significance_mark(tests, e, m)) +
             "</td>";
    }
    out += "</tr>";
  }
  return out + "</table>";
}

std::string significance_section(const std::vector<Comparison>& tests) {
  if (tests.empty()) return "";
  std::string out = "<h3>Significance</h3><p class=\"note\">" + escape(kSignificanceNote) +
                    "</p><table><tr><th>metric</th><th>model</th><th>baseline</th><th>pairs</th>"
                    "<th>mean difference</th><th>95% interval</th><th>reading</th></tr>";
  for (const auto& c : tests)
    out += "<tr><td>" + escape(c.metric) + "</td><td>" + escape(c.model) + "</td><td>" + escape(c.baseline) +
           "</td><td>" + std::to_string(c.pairs) + "</td><td>" + escape(format_value(c.mean_difference)) +
           "</td><td>[" + escape(format_value(c.interval.low)) + ", " + escape(format_value(c.interval.high)) +
           "]</td><td>" + escape(comparison_reading(c)) + "</td></tr>";
  return out + "</table>";
}

std::string improvement_section(const ReportContext& context, const GroupTable& t) {
  if (t.improvement.empty()) return "";
  std::string out = "<h3>Improvement over " + escape(t.reference) + "</h3><p class=\"note\">Per seed the " +
                    "experiment's value minus " + escape(t.reference) + "'s, signed so that a positive value is " +
                    "better; mean ± sd over seeds.</p><table><tr><th>experiment</th>";
  for (const auto& m : t.metrics) out += "<th>" + escape(m) + "</th>";
  out += "</tr>";
  for (const auto& e : t.experiments) {
    const auto row = t.improvement.find(e);
    if (row == t.improvement.end()) continue;
    out += "<tr><td>" + escape(row_label(e, context.summary.baselines)) + "</td>";
    for (const auto& m : t.metrics) {
      const auto v = row->second.find(m);
      out += "<td>" + escape(v == row->second.end() ? std::string("–") : format_stat(v->second)) + "</td>";
    }
    out += "</tr>";
  }
  return out + "</table>";
}

std::string rank_section(const ReportContext& context, const GroupTable& t) {
  if (t.mean_ranks.empty()) return "";
  std::string out = "<h3>Ranks</h3><p class=\"note\">Per metric, experiments ranked by their seed mean (1 = best, ties "
                    "share the average rank); overall = mean rank over the metrics (a metric an experiment "
                    "lacks is left out of its mean).</p><table><tr><th>experiment</th><th>mean rank</th></tr>";
  for (const auto& [e, r] : t.mean_ranks)
    out += "<tr><td>" + escape(row_label(e, context.summary.baselines)) + "</td><td>" + escape(format_value(r)) + "</td></tr>";
  out += "</table>";
  out += "<p><b>" + escape(first_place(t, context.summary.baselines)) + "</b></p>";
  std::vector<std::string> models;
  for (const auto& [e, r] : t.mean_ranks) models.push_back(e);
  std::vector<std::string> metrics;
  for (const auto& m : t.metrics)
    if (t.ranks.count(m)) metrics.push_back(m);
  return out + "<div class=\"panels\">" + svg::rank_heatmap(models, metrics, t.ranks) + "</div>";
}

std::string distribution_plot(const ReportContext& context, const BenchResults& results, const GroupTable& t) {
  std::vector<svg::Series> series;
  bool any = false;
  for (const auto& e : t.experiments) {
    svg::Series s{e, {}};
    for (const auto& c : results.cells) {
      if (c.id.dataset != t.dataset || c.id.split != t.split || c.id.experiment != e) continue;
      for (const auto& [condition, metrics] : c.conditions) {
        const auto v = metrics.find(context.metric);
        if (v != metrics.end() && std::isfinite(v->second)) s.values.push_back(v->second);
      }
    }
    any = any || !s.values.empty();
    series.push_back(std::move(s));
  }
  if (!any)
    return "<p class=\"note\">No per-condition values of " + escape(context.metric) + " for " + escape(group_title(t)) +
           ".</p>";
  return svg::box_plot(context.metric + " per test condition (" + group_title(t) + ", all seeds)", context.metric, series);
}

std::string scatter_section(const ReportContext& context, const BenchResults& results, const GroupTable& t) {
  std::int64_t seed = 0;
  const auto conditions = scatter_conditions(results, t, static_cast<std::size_t>(std::max(0, context.conditions)), seed);
  if (conditions.empty()) return "<p class=\"note\">No top_de.csv for " + escape(group_title(t)) + ".</p>";
  std::string out = "<p class=\"note\">Top-20 DE genes of the " + std::to_string(conditions.size()) +
                    " test conditions with the largest mean |observed delta| (split seed " + std::to_string(seed) +
                    "); dashed line: y = x.</p><div class=\"panels\">";
  for (const auto& condition : conditions) {
    std::vector<svg::PointSeries> series;
    for (const auto& e : t.experiments) {
      for (const auto& c : results.cells) {
        if (c.id.dataset != t.dataset || c.id.split != t.split || c.id.experiment != e || c.id.seed != seed) continue;
        const auto it = c.top_de.find(condition);
        if (it == c.top_de.end()) continue;
        svg::PointSeries s{e, {}};
        for (const auto& p : it->second) s.points.push_back({p.observed_delta, p.predicted_delta});
        series.push_back(std::move(s));
      }
    }
    out += svg::scatter_plot(condition, series, t.experiments);
  }
  return out + "</div>";
}

}  // namespace

std::vector<std::string> scatter_conditions(const BenchResults& results, const GroupTable& table, std::size_t count,
                                            std::int64_t& seed) {
  const CellResult* source = nullptr;
  for (const auto& e : table.experiments) {
    for (const auto& c : results.cells) {
      if (c.id.dataset != table.dataset || c.id.split != table.split || c.id.experiment != e || c.top_de.empty()) continue;
      // Smallest seed; on a tie the experiment listed first.
      if (!source || c.id.seed < source->id.seed) source = &c;
    }
  }
  if (!source || count == 0) return {};
  seed = source->id.seed;
  std::vector<std::pair<double, std::string>> effects;
  for (const auto& [condition, points] : source->top_de) {
    double sum = 0;
    for (const auto& p : points) sum += std::abs(p.observed_delta);
    effects.push_back({points.empty() ? 0.0 : sum / static_cast<double>(points.size()), condition});
  }
  std::stable_sort(effects.begin(), effects.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::string> chosen;
  for (std::size_t i = 0; i < effects.size() && i < count; ++i) chosen.push_back(effects[i].second);
  return chosen;
}

std::string report_html(const ReportContext& context, const BenchResults& results, const std::vector<GroupTable>& tables,
                        const std::vector<std::vector<Comparison>>& comparisons) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Bench " +
                    escape(context.summary.name) + "</title><style>" + kStyle + "</style></head><body>\n";
  out += "<h1>Bench " + escape(context.summary.name) + "</h1>\n" + provenance(context, results) + "\n";
  out += "<p class=\"note\">Tables: mean ± standard deviation (ddof = 1) over split seeds of each metric's mean over "
         "test conditions; ↑ higher is better, ↓ lower is better; best per metric highlighted. Every metric and "
         "subgroup is in results.csv.</p>\n";
  if (tables.empty()) out += "<p>No finished cells.</p>\n";
  for (std::size_t ti = 0; ti < tables.size(); ++ti) {
    const GroupTable& t = tables[ti];
    const std::vector<Comparison> tests = ti < comparisons.size() ? comparisons[ti] : std::vector<Comparison>{};
    out += "<h2>" + escape(group_title(t)) + "</h2>\n" + stats_table(context, t, tests) + "\n" +
           significance_section(tests) + "\n" + improvement_section(context, t) + "\n" + rank_section(context, t) +
           "\n";
    out += "<h3>Per-condition " + escape(context.metric) + "</h3><div class=\"panels\">" +
           distribution_plot(context, results, t) + "</div>\n";
    out += "<h3>Predicted vs observed delta</h3>" + scatter_section(context, results, t) + "\n";
  }
  out += "<h2>Failed cells</h2>\n";
  if (results.failures.empty()) {
    out += "<p>None.</p>\n";
  } else {
    out += "<p class=\"note\">They run again on the next <code>trellis bench</code> with the same output folder; see "
           "each cell's error.txt and log.txt.</p><table><tr><th>experiment</th><th>dataset</th><th>split</th>"
           "<th>seed</th><th>error</th></tr>";
    for (const auto& f : results.failures)
      out += "<tr><td>" + escape(f.id.experiment) + "</td><td>" + escape(f.id.dataset) + "</td><td>" +
             escape(f.id.split) + "</td><td>" + std::to_string(f.id.seed) + "</td><td style=\"text-align:left\">" +
             escape(f.error) + "</td></tr>";
    out += "</table>\n";
  }
  return out + "</body></html>\n";
}

}  // namespace trellis::core::bench
