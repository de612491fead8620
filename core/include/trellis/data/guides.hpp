#pragma once
// Guide assignment: turning each cell's guide (gRNA) UMI counts into the
// perturbation condition it received, as a screen needs before modelling.

#include <cstdint>
#include <string>
#include <vector>

#include "trellis/sdk/table.hpp"

namespace trellis::core::data {

struct GuideAssignmentOptions {
  /// A guide counts for a cell only with at least this many UMIs.
  double min_count = 5;
  /// ... and at least this fraction of the cell's guide UMIs. With 0.5 at
  /// most one guide (or two exactly tied ones) passes: the usual low-MOI rule.
  double min_fraction = 0.5;
  /// Guides whose target equals this label (ignoring case), or whose name
  /// starts with it, are non-targeting controls.
  std::string non_targeting = "non-targeting";
  /// Keep cells whose passing guides target several genes as combination
  /// conditions "A+B" (then min_fraction is not applied: every guide with
  /// min_count UMIs passes).
  bool keep_multi = false;
};

/// Why a cell was excluded (`excluded_reason` values).
inline constexpr const char* no_guide_reason = "no_guide";
inline constexpr const char* conflicting_reason = "conflicting";

struct GuideAssignment {
  /// Per cell: "" if excluded, the control label, a target "A", or targets
  /// "A+B" (sorted by name; only with keep_multi).
  std::vector<std::string> condition;
  /// Per cell: "" if kept, else no_guide_reason or conflicting_reason.
  std::vector<std::string> excluded_reason;
  std::int64_t assigned_single = 0;   ///< one target
  std::int64_t assigned_control = 0;  ///< non-targeting guides only
  std::int64_t multi_kept = 0;        ///< several targets, kept (keep_multi)
  std::int64_t no_guide = 0;          ///< no guide passed the thresholds
  /// Guides for different targets passed (without keep_multi), or a
  /// non-targeting guide passed together with a targeting one.
  std::int64_t conflicting = 0;
  /// Distinct targeted genes among the kept cells.
  std::int64_t targets = 0;
};

/// Assigns every cell of `data` (rows of data.guide_counts) a condition.
/// Guides for the same target are the same condition. Throws
/// trellis::sdk::Error when the data has no guide counts, when
/// data.guides does not describe its columns, when a guide that passes the
/// thresholds in some cell has no target, or for invalid options.
GuideAssignment assign_guides(const sdk::AnnData& data, const GuideAssignmentOptions& options,
                              const std::string& control_label);

/// One line for logs and reports, e.g. "20,729 cells: 14,000 single-guide,
/// 2,000 control; 26 targeted genes; excluded: no guide 3,000, conflicting 700".
std::string describe(const GuideAssignment& assignment);

}  // namespace trellis::core::data
