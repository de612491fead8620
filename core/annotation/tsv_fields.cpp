#include "trellis/annotation/tsv_fields.hpp"

#include <algorithm>
#include <charconv>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/suggest.hpp"

namespace trellis::core::annotation {

std::string where(const sdk::TextInput& lines) {
  return lines.path().string() + ":" + std::to_string(lines.line_number());
}

std::int64_t parse_entrez_id(std::string_view text, const sdk::TextInput& lines) {
  std::int64_t id = -1;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (error != std::errc() || end != text.data() + text.size() || id < 0)
    throw sdk::Error(where(lines) + ": '" + std::string(text) +
                     "' is not an Entrez gene id (a non-negative integer); is this the right file?");
  return id;
}

std::vector<std::size_t> header_columns(sdk::TextInput& lines, const std::vector<std::string>& wanted) {
  std::string_view header;
  if (!lines.next(header)) throw sdk::Error("annotation file '" + lines.path().string() + "' is empty");
  std::vector<std::string_view> names;
  split_tabs(header, names);
  std::vector<std::size_t> columns;
  for (const auto& name : wanted) {
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) {
      const std::string found = sdk::join({names.begin(), names.end()});
      throw sdk::Error("annotation file '" + lines.path().string() + "' has no column '" + name +
                       "' (its header has: " + found + "); is this the right file?");
    }
    columns.push_back(static_cast<std::size_t>(it - names.begin()));
  }
  return columns;
}

std::string_view field(const std::vector<std::string_view>& fields, std::size_t column, const sdk::TextInput& lines) {
  if (column >= fields.size())
    throw sdk::Error(where(lines) + ": expected at least " + std::to_string(column + 1) +
                     " tab-separated fields, found " + std::to_string(fields.size()));
  return fields[column];
}

}  // namespace trellis::core::annotation
