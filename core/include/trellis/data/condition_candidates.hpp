#pragma once
// Guessing how a dataset labels its conditions: which obs column holds them,
// which label marks control cells, and which column holds the perturbation
// type. Used by `trellis data inspect` on a file without a [data] table.

#include <cstdint>
#include <string>
#include <vector>

#include "trellis/data/column_summary.hpp"

namespace trellis::core::data {

enum class ControlMatch {
  none,
  partial,  ///< contains a control word ("non-targeting_3", "control_k562") or the token NT / NTC ("NT_1")
  exact,    ///< is a control label, ignoring case and -/_/space ("ctrl", "Control", "NT", "non_targeting")
};

/// How much `label` looks like the label of control cells. A combination
/// ("ctrl+KLF1", split at `delimiter`) is a control only when every part is.
ControlMatch match_control_label(const std::string& label, const std::string& delimiter = "+");

/// The control labels looked for, as a user would write them.
const std::vector<std::string>& known_control_labels();

struct ControlLabel {
  std::string label;
  std::int64_t cells = 0;
  bool exact = false;
};

struct ConditionColumn {
  std::string column;
  std::int64_t values = 0;             ///< distinct labels
  std::vector<ControlLabel> controls;  ///< control-like labels, best first (exact, then most cells)
};

/// Text columns (categorical or string) with a control-like label and at
/// least one other label, best first: an exact control label, then a column
/// named like conditions (condition, perturbation, target, gene, guide, ...),
/// then more control cells.
std::vector<ConditionColumn> find_condition_columns(const std::vector<ColumnSummary>& obs);

/// A text column whose every value is a perturbation type (knockout,
/// CRISPRi, ...; see sdk::perturbation_type_from_string), or "".
std::string find_perturbation_type_column(const std::vector<ColumnSummary>& obs);

}  // namespace trellis::core::data
