#pragma once
// summary.md: per dataset x split, mean ± sd tables with the best in bold,
// the rank aggregation, and the failed cells.

#include <string>
#include <vector>

#include "trellis/bench/results.hpp"
#include "trellis/bench/significance.hpp"

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

/// "†" when `experiment` is the significantly better side of the comparison
/// of `metric` in `comparisons`, else "".
std::string significance_mark(const std::vector<Comparison>& comparisons, const std::string& experiment,
                              const std::string& metric);

/// One comparison's reading, e.g. "gears better (p = 0.003)", "not
/// significant (p = 0.41)" or "too few pairs for a test (3 < 5)".
std::string comparison_reading(const Comparison& comparison);

/// What the significance tables show, in one sentence for both outputs.
extern const char* const kSignificanceNote;

/// The Markdown text; `comparisons[i]` belongs to `tables[i]`.
std::string summary_markdown(const SummaryContext& context, const std::vector<GroupTable>& tables,
                             const std::vector<std::vector<Comparison>>& comparisons,
                             const std::vector<CellFailure>& failures);

}  // namespace trellis::core::bench
