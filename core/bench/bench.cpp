#include "trellis/bench/bench.hpp"

#include <algorithm>

#include "trellis/bench/cells.hpp"
#include "trellis/bench/report.hpp"
#include "trellis/bench/significance.hpp"
#include "trellis/bench/summary.hpp"
#include "trellis/util/atomic_file.hpp"

namespace trellis::core::bench {

BenchResults write_outputs(const BenchConfig& config, const std::filesystem::path& out, int jobs,
                           const std::string& date) {
  std::vector<CellId> ids;
  for (const auto& cell : plan_cells(config)) ids.push_back(cell.id);
  const BenchResults results = collect(out, ids);

  const std::vector<std::string> order = config.labels();
  std::vector<std::string> headline = config.report.headline;
  if (!config.metrics.empty()) {
    // Restricted metrics restrict the tables too.
    std::vector<std::string> kept;
    for (const auto& m : headline)
      if (std::find(config.metrics.begin(), config.metrics.end(), m) != config.metrics.end()) kept.push_back(m);
    headline = kept;
  }
  auto tables = build_tables(results, order, headline);
  if (!config.relative_to.empty()) add_improvements(tables, results, config.relative_to);
  const auto comparisons = compare_best_to_baselines(results, tables, config.baselines);
  util::write_file_atomic(out / "results.csv", results_csv(tidy_rows(results, config.metrics)) +
                                                   significance_csv_rows(tables, comparisons));
  util::write_file_atomic(out / "failures.csv", failures_csv(results.failures));

  ReportContext context;
  context.summary = SummaryContext{config.name, config.baselines, config.seeds.size()};
  context.bench_file = config.file.string();
  context.date = date;
  context.seeds = config.seeds;
  context.jobs = jobs;
  context.metric = config.report.metric;
  context.conditions = config.report.conditions;
  util::write_file_atomic(out / "summary.md", summary_markdown(context.summary, tables, comparisons, results.failures));
  util::write_file_atomic(out / "report.html", report_html(context, results, tables, comparisons));
  return results;
}

}  // namespace trellis::core::bench
