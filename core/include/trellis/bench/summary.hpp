#pragma once
// summary.md: per dataset x split, mean ± sd tables with the best in bold,
// the rank aggregation, and the failed cells.

#include <string>
#include <vector>

#include "trellis/bench/results.hpp"

namespace trellis::core::bench {

/// What the summary says about the bench besides its results.
struct SummaryContext {
  std::string name;
  std::vector<std::string> baselines;
  std::size_t seeds = 0;  ///< asked for; a cell shows n when it has fewer
};

/// "mean (baseline)" for baselines, else the label.
std::string row_label(const std::string& experiment, const std::vector<std::string>& baselines);
/// "0.1235 ± 0.0123" (4 significant digits; "0.1235" when sd is undefined).
std::string format_stat(const Stat& stat);
/// A value with 4 significant digits.
std::string format_value(double value);

/// One plain sentence on who ranks first overall in `table` (all tied
/// experiments named, baselines called baselines), e.g. "The baseline
/// additive ranks first overall." or "mean (baseline) and gears tie for
/// first overall."; empty without ranks.
std::string first_place(const GroupTable& table, const std::vector<std::string>& baselines);

/// The Markdown text.
std::string summary_markdown(const SummaryContext& context, const std::vector<GroupTable>& tables,
                             const std::vector<CellFailure>& failures);

}  // namespace trellis::core::bench
