#include "trellis/data/column_summary.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <unordered_map>

namespace trellis::core::data {

namespace {

const char* type_name(sdk::Column::Kind kind) {
  switch (kind) {
    case sdk::Column::Kind::categorical: return "categorical";
    case sdk::Column::Kind::string: return "string";
    case sdk::Column::Kind::integer: return "integer";
    case sdk::Column::Kind::real: return "real";
    case sdk::Column::Kind::boolean: return "boolean";
  }
  return "unknown";
}

std::string number_text(double v) {
  std::ostringstream out;
  out.precision(6);
  out << v;
  return out.str();
}

// Most frequent first; stable, so ties keep the order of first appearance.
void sort_counts(std::vector<std::pair<std::string, std::int64_t>>& counts) {
  std::stable_sort(counts.begin(), counts.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
}

}  // namespace

std::int64_t ColumnSummary::count_of(const std::string& value) const {
  for (const auto& [v, n] : counts)
    if (v == value) return n;
  return 0;
}

ColumnSummary summarise_column(const std::string& name, const sdk::Column& column) {
  ColumnSummary s;
  s.name = name;
  s.type = type_name(column.kind);
  const std::size_t n = column.size();
  if (column.kind == sdk::Column::Kind::categorical) {
    // Count codes, not strings: obs tables have millions of rows.
    std::vector<std::int64_t> per_code(column.categories.size(), 0);
    std::vector<std::size_t> first_row(column.categories.size(), n);
    for (std::size_t i = 0; i < n; ++i) {
      const auto code = column.codes[i];
      if (code < 0) {
        ++s.missing;
        continue;
      }
      if (per_code[static_cast<std::size_t>(code)]++ == 0) first_row[static_cast<std::size_t>(code)] = i;
    }
    std::vector<std::size_t> order;
    for (std::size_t c = 0; c < per_code.size(); ++c)
      if (per_code[c] > 0) order.push_back(c);
    std::sort(order.begin(), order.end(), [&](auto a, auto b) { return first_row[a] < first_row[b]; });
    for (auto c : order) s.counts.emplace_back(column.categories[c], per_code[c]);
  } else if (column.kind == sdk::Column::Kind::string || column.kind == sdk::Column::Kind::boolean) {
    std::unordered_map<std::string, std::size_t> slot;
    for (std::size_t i = 0; i < n; ++i) {
      if (column.is_missing(i)) {
        ++s.missing;
        continue;
      }
      auto [it, added] = slot.emplace(column.text(i), s.counts.size());
      if (added) s.counts.emplace_back(it->first, 0);
      ++s.counts[it->second].second;
    }
  } else {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (std::size_t i = 0; i < n; ++i) {
      if (column.is_missing(i)) {
        ++s.missing;
        continue;
      }
      const double v =
          column.kind == sdk::Column::Kind::integer ? static_cast<double>(column.integers[i]) : column.reals[i];
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    if (lo <= hi) {
      s.min = lo;
      s.max = hi;
    }
  }
  sort_counts(s.counts);
  return s;
}

std::vector<ColumnSummary> summarise_columns(const sdk::DataFrame& frame) {
  std::vector<ColumnSummary> out;
  for (const auto& name : frame.column_order) out.push_back(summarise_column(name, frame.columns.at(name)));
  return out;
}

std::string describe(const ColumnSummary& column, std::size_t top) {
  std::ostringstream out;
  out << column.type;
  if (column.is_number()) {
    out << "  min " << number_text(column.min) << ", max " << number_text(column.max);
  } else {
    out << "  " << column.counts.size() << (column.counts.size() == 1 ? " value: " : " values: ");
    for (std::size_t i = 0; i < std::min(top, column.counts.size()); ++i)
      out << (i ? ", " : "") << column.counts[i].first << " (" << column.counts[i].second << ")";
    if (column.counts.size() > top) out << ", ...";
  }
  if (column.missing > 0) out << "; " << column.missing << " missing";
  return out.str();
}

}  // namespace trellis::core::data
