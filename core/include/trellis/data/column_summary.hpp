#pragma once
// A summary of each obs or var column (type, values and their counts, or the
// range of numbers), for `trellis data inspect`.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "trellis/sdk/table.hpp"

namespace trellis::core::data {

struct ColumnSummary {
  std::string name;
  std::string type;              ///< categorical, string, integer, real or boolean
  std::int64_t missing = 0;      ///< missing values (category -1, NaN, masked)
  /// categorical, string and boolean: every distinct value with its count,
  /// most frequent first (ties in order of first appearance).
  std::vector<std::pair<std::string, std::int64_t>> counts;
  double min = 0.0, max = 0.0;   ///< integer and real, over the values present
  bool is_text() const { return type == "categorical" || type == "string"; }
  bool is_number() const { return type == "integer" || type == "real"; }
  /// The count of `value` (0 when it does not occur).
  std::int64_t count_of(const std::string& value) const;
};

ColumnSummary summarise_column(const std::string& name, const sdk::Column& column);

/// Every column of a frame, in its column order.
std::vector<ColumnSummary> summarise_columns(const sdk::DataFrame& frame);

/// One line: "categorical  34 values: control (400), SGK1 (400), ..." with
/// the `top` most frequent values, or "real  min 501, max 56679".
std::string describe(const ColumnSummary& column, std::size_t top = 5);

}  // namespace trellis::core::data
