#include "column_counts.hpp"

#include <algorithm>

namespace trellis::encoders {

std::vector<std::pair<std::int64_t, std::int64_t>> count_columns(std::vector<std::int64_t> columns) {
  std::sort(columns.begin(), columns.end());
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  for (std::size_t i = 0; i < columns.size();) {
    std::size_t j = i;
    while (j < columns.size() && columns[j] == columns[i]) ++j;
    out.emplace_back(columns[i], static_cast<std::int64_t>(j - i));
    i = j;
  }
  return out;
}

}  // namespace trellis::encoders
