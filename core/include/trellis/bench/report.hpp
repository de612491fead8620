#pragma once
// report.html: one self-contained page (inline CSS and SVG, no scripts, no
// external URLs) with provenance, the summary tables and plots.

#include <string>
#include <vector>

#include "trellis/bench/results.hpp"
#include "trellis/bench/summary.hpp"

namespace trellis::core::bench {

struct ReportContext {
  SummaryContext summary;
  std::string bench_file;
  std::string date;                 ///< when the report was written
  std::vector<std::int64_t> seeds;  ///< asked for
  int jobs = 1;
  std::string metric = "pearson_delta_de";  ///< per-condition distribution plot
  int conditions = 4;                       ///< scatter panels per dataset x split
};

/// The conditions shown as scatters: those with the largest mean |observed
/// delta| over their top DE genes, in the first finished cell (bench order of
/// experiments) of the smallest seed of this dataset x split.
std::vector<std::string> scatter_conditions(const BenchResults& results, const GroupTable& table, std::size_t count,
                                            std::int64_t& seed);

/// The HTML text; `comparisons[i]` belongs to `tables[i]`.
std::string report_html(const ReportContext& context, const BenchResults& results,
                        const std::vector<GroupTable>& tables, const std::vector<std::vector<Comparison>>& comparisons);

}  // namespace trellis::core::bench
