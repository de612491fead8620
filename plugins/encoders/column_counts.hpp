#pragma once
// Bag-of-terms counting shared by the text (TF-IDF) and sequence (k-mer)
// encoders: a document's column ids become (column, count) pairs.

#include <cstdint>
#include <utility>
#include <vector>

namespace trellis::encoders {

/// (column, occurrences) for each distinct id of `columns`, ascending by column.
std::vector<std::pair<std::int64_t, std::int64_t>> count_columns(std::vector<std::int64_t> columns);

}  // namespace trellis::encoders
