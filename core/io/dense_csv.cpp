#include "trellis/io/dense_csv.hpp"

#include <charconv>
#include <cmath>
#include <string_view>
#include <unordered_map>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/text_input.hpp"

namespace trellis::core::io {

namespace {

std::string_view unquoted(std::string_view field) {
  while (!field.empty() && (field.back() == ' ' || field.back() == '\r')) field.remove_suffix(1);
  while (!field.empty() && field.front() == ' ') field.remove_prefix(1);
  if (field.size() >= 2 && field.front() == '"' && field.back() == '"') field = field.substr(1, field.size() - 2);
  return field;
}

// The names along one axis must be unique: the first repeat, named by the
// lines (or columns) of both occurrences.
void check_unique(const std::vector<std::string>& names, const std::vector<std::int64_t>& where, const char* what,
                  const char* place, const std::string& file) {
  std::unordered_map<std::string, std::size_t> first;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto [it, inserted] = first.emplace(names[i], i);
    if (!inserted)
      throw sdk::Error(file + ": " + what + " '" + names[i] + "' is listed twice (" + place + " " +
                       std::to_string(where[it->second]) + " and " + std::to_string(where[i]) +
                       "); each must be unique: drop or rename one, or aggregate them before loading");
  }
}

}  // namespace

sdk::AnnData read_dense_csv(const std::filesystem::path& path, bool genes_by_cells, const std::string& control_label) {
  const std::string file = path.string();
  sdk::TextInput in(path);
  std::string_view line;
  if (!in.next(line)) throw sdk::Error(file + ": empty file; expected a header of column names");
  const char separator = line.find(',') == std::string_view::npos && line.find('\t') != std::string_view::npos ? '\t' : ',';
  std::vector<std::string> columns;
  std::vector<std::int64_t> column_numbers;
  {
    const auto header = sdk::split_fields(line, separator);
    if (header.size() < 2) throw sdk::Error(file + ": the header has one field; expected a name column and data columns");
    for (std::size_t c = 1; c < header.size(); ++c) {
      columns.emplace_back(unquoted(header[c]));
      column_numbers.push_back(static_cast<std::int64_t>(c + 1));
    }
  }
  const std::size_t width = columns.size();
  std::vector<std::string> rows;
  std::vector<std::int64_t> row_lines;
  std::vector<float> values;  // row-major, rows x width
  while (in.next(line)) {
    if (line.empty() || line == "\r") continue;
    const auto fields = sdk::split_fields(line, separator);
    const std::string where = file + ":" + std::to_string(in.line_number());
    if (fields.size() != width + 1)
      throw sdk::Error(where + ": " + std::to_string(fields.size()) + " fields, but the header names " +
                       std::to_string(width + 1) + " (a name and " + std::to_string(width) + " values)");
    rows.emplace_back(unquoted(fields[0]));
    row_lines.push_back(in.line_number());
    for (std::size_t c = 1; c <= width; ++c) {
      const std::string_view text = unquoted(fields[c]);
      double value = 0;
      const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
      if (result.ec != std::errc() || result.ptr != text.data() + text.size() || !std::isfinite(value))
        throw sdk::Error(where + ", column " + std::to_string(c + 1) + " ('" + columns[c - 1] + "'): '" +
                         std::string(text) + "' is not a finite number; the table must hold numbers only");
      values.push_back(static_cast<float>(value));
    }
  }
  if (rows.empty()) throw sdk::Error(file + ": no data rows after the header");
  const char* row_kind = genes_by_cells ? "gene" : "cell";
  const char* column_kind = genes_by_cells ? "cell" : "gene";
  check_unique(rows, row_lines, row_kind, "lines", file);
  check_unique(columns, column_numbers, column_kind, "columns", file);

  // Cells x genes CSR; zeros are not stored.
  const auto n_rows = static_cast<std::int64_t>(rows.size()), n_cols = static_cast<std::int64_t>(width);
  const std::int64_t cells = genes_by_cells ? n_cols : n_rows, genes = genes_by_cells ? n_rows : n_cols;
  sdk::AnnData d;
  d.X.rows = cells;
  d.X.cols = genes;
  d.X.indptr.assign(static_cast<std::size_t>(cells) + 1, 0);
  const auto at = [&](std::int64_t cell, std::int64_t gene) {
    return values[static_cast<std::size_t>(genes_by_cells ? gene * n_cols + cell : cell * n_cols + gene)];
  };
  std::int64_t nnz = 0;
  for (std::int64_t i = 0; i < cells; ++i)
    for (std::int64_t j = 0; j < genes; ++j) nnz += at(i, j) != 0.0f;
  d.X.indices.resize(static_cast<std::size_t>(nnz));
  d.X.values.resize(static_cast<std::size_t>(nnz));
  std::int64_t k = 0;
  for (std::int64_t i = 0; i < cells; ++i) {
    for (std::int64_t j = 0; j < genes; ++j) {
      const float v = at(i, j);
      if (v == 0.0f) continue;
      d.X.indices[static_cast<std::size_t>(k)] = static_cast<std::int32_t>(j);
      d.X.values[static_cast<std::size_t>(k)] = v;
      ++k;
    }
    d.X.indptr[static_cast<std::size_t>(i) + 1] = k;
  }
  d.obs.index = genes_by_cells ? std::move(columns) : std::move(rows);
  d.var.index = genes_by_cells ? std::move(rows) : std::move(columns);
  d.obs.set("condition", sdk::Column::categorical_from(std::vector<std::string>(d.obs.size(), control_label)));
  d.uns["dense_csv"] = {{"file", file}, {"genes_by_cells", genes_by_cells}};
  return d;
}

}  // namespace trellis::core::io
