#include "trellis/io/tables.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <unordered_set>

#include "trellis/sdk/suggest.hpp"
#include "trellis/sdk/text_input.hpp"
#include "trellis/sdk/error.hpp"

namespace trellis::core::io {

namespace {

std::string quoted(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool blank(std::string_view s) { return trim(s).empty(); }

char delimiter_for(const std::filesystem::path& path, std::string_view first_line) {
  const std::string name = sdk::name_without_gz(path);
  if (ends_with(name, ".csv")) return ',';
  if (ends_with(name, ".tsv") || ends_with(name, ".txt") || ends_with(name, ".tab")) return '\t';
  if (first_line.find('\t') != std::string_view::npos) return '\t';
  if (first_line.find(',') != std::string_view::npos) return ',';
  return '\t';
}

// Splits one line; quoted fields may contain the delimiter.
std::vector<std::string> split_fields(std::string_view line, char delimiter, const std::string& where) {
  std::vector<std::string> fields;
  std::string field;
  std::size_t i = 0;
  for (;;) {
    field.clear();
    if (i < line.size() && line[i] == '"') {
      ++i;
      for (;;) {
        if (i >= line.size()) throw sdk::Error(where + ": unterminated quoted field");
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += line[i++];
      }
      while (i < line.size() && line[i] != delimiter) {
        if (line[i] != ' ' && line[i] != '\r')
          throw sdk::Error(where + ": text after a closing quote (quote the whole field, doubling inner quotes)");
        ++i;
      }
    } else {
      const std::size_t stop = line.find(delimiter, i);
      const std::size_t last = stop == std::string_view::npos ? line.size() : stop;
      field.assign(line.substr(i, last - i));
      i = last;
    }
    fields.push_back(field);
    if (i >= line.size()) break;
    ++i;  // past the delimiter
  }
  return fields;
}

bool parse_integer(const std::string& s, std::int64_t& value) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  return !s.empty() && ec == std::errc() && end == s.data() + s.size();
}

bool is_na(const std::string& s) { return s.empty() || s == "NA" || s == "NaN" || s == "nan"; }

bool parse_double(const std::string& s, double& value) {
  if (is_na(s)) {
    value = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  const char* begin = s.data() + (s.front() == '+' ? 1 : 0);
  const auto [end, ec] = std::from_chars(begin, s.data() + s.size(), value);
  return ec == std::errc() && end == s.data() + s.size();
}

sdk::Column typed_column(const std::vector<std::string>& values) {
  std::vector<std::int64_t> integers(values.size());
  bool all_integers = !values.empty();
  for (std::size_t i = 0; i < values.size() && all_integers; ++i) all_integers = parse_integer(values[i], integers[i]);
  if (all_integers) return sdk::Column::from_integers(std::move(integers));
  std::vector<double> reals(values.size());
  bool all_reals = !values.empty();
  bool any_number = false;
  for (std::size_t i = 0; i < values.size() && all_reals; ++i) {
    all_reals = parse_double(values[i], reals[i]);
    any_number = any_number || !is_na(values[i]);
  }
  if (all_reals && any_number) return sdk::Column::from_reals(std::move(reals));
  return sdk::Column::categorical_from(values);
}

}  // namespace

std::size_t TextTable::columns() const {
  if (!header.empty()) return header.size();
  return rows.empty() ? 0 : rows.front().size();
}

std::vector<std::string> TextTable::column(std::size_t j) const {
  std::vector<std::string> out;
  out.reserve(rows.size());
  for (const auto& row : rows) out.push_back(j < row.size() ? row[j] : std::string());
  return out;
}

TextTable read_table(const std::filesystem::path& path, const TableOptions& options) {
  sdk::TextInput input(path);
  TextTable table;
  table.source = path;
  std::string_view line;
  char delimiter = options.delimiter;
  std::size_t width = 0;
  bool expect_header = options.header;
  while (input.next(line)) {
    if (blank(line)) continue;
    if (delimiter == 0) delimiter = delimiter_for(path, line);
    const std::string where = quoted(path) + " line " + std::to_string(input.line_number());
    std::vector<std::string> fields = split_fields(line, delimiter, where);
    for (auto& f : fields) f = std::string(trim(f));
    if (expect_header) {
      table.header = std::move(fields);
      width = table.header.size();
      expect_header = false;
      continue;
    }
    if (width == 0) width = fields.size();
    // R's write.table leaves the row-name column without a header.
    if (table.rows.empty() && !table.header.empty() && fields.size() == table.header.size() + 1) {
      table.header.insert(table.header.begin(), std::string());
      width = fields.size();
    }
    if (fields.size() != width && !(options.ragged && fields.size() < width))
      throw sdk::Error(where + " has " + std::to_string(fields.size()) + " fields but " +
                       (table.header.empty() ? std::string("the first row has ") : std::string("the header has ")) +
                       std::to_string(width) + " (delimiter '" + (delimiter == '\t' ? std::string("\\t") : std::string(1, delimiter)) +
                       "'); every row needs the same number of fields");
    fields.resize(width);
    table.rows.push_back(std::move(fields));
    table.lines.push_back(input.line_number());
  }
  if (options.header && table.header.empty()) throw sdk::Error(quoted(path) + " is empty; expected a header line");
  return table;
}

void split_tabs(std::string_view line, std::vector<std::string_view>& fields) {
  fields.clear();
  std::size_t start = 0;
  for (;;) {
    const std::size_t tab = line.find('\t', start);
    if (tab == std::string_view::npos) {
      fields.push_back(line.substr(start));
      return;
    }
    fields.push_back(line.substr(start, tab - start));
    start = tab + 1;
  }
}

std::vector<std::vector<std::string>> read_tsv_columns(const std::filesystem::path& path,
                                                       const std::vector<std::string>& columns) {
  sdk::TextInput input(path);
  std::string_view line;
  if (!input.next(line)) throw sdk::Error(path.string() + ": the file is empty; expected a header line");
  std::vector<std::string_view> fields;
  split_tabs(line, fields);
  const std::vector<std::string> header(fields.begin(), fields.end());
  std::vector<std::size_t> positions;
  for (const auto& name : columns) {
    std::size_t i = 0;
    while (i < header.size() && header[i] != name) ++i;
    if (i == header.size()) {
      const std::string found = sdk::join({header.begin(), header.end()});
      throw sdk::Error(path.string() + ": no column '" + name + "' in the header (columns: " + found + ")");
    }
    positions.push_back(i);
  }
  std::vector<std::vector<std::string>> result(columns.size());
  while (input.next(line)) {
    if (line.empty()) continue;
    split_tabs(line, fields);
    if (fields.size() < header.size())
      throw sdk::Error(path.string() + ":" + std::to_string(input.line_number()) + ": " +
                       std::to_string(fields.size()) + " fields, the header has " + std::to_string(header.size()));
    for (std::size_t c = 0; c < positions.size(); ++c) result[c].emplace_back(fields[positions[c]]);
  }
  return result;
}

std::vector<std::string> read_names(const std::filesystem::path& path) {
  sdk::TextInput input(path);
  std::vector<std::string> names;
  std::int64_t first_blank = 0;
  std::string_view line;
  while (input.next(line)) {
    const std::string_view name = trim(line);
    if (name.empty()) {
      if (first_blank == 0) first_blank = input.line_number();
      continue;
    }
    if (first_blank != 0)
      throw sdk::Error(quoted(path) + " line " + std::to_string(first_blank) +
                       " is empty; expected one name per line with no blank lines between names");
    names.emplace_back(name);
  }
  return names;
}

sdk::DataFrame to_data_frame(const TextTable& table, std::size_t index_column) {
  const std::size_t width = table.columns();
  if (index_column >= width)
    throw sdk::Error(quoted(table.source) + " has " + std::to_string(width) + " columns; no column " +
                     std::to_string(index_column + 1) + " to use as the index");
  sdk::DataFrame frame;
  frame.index = table.column(index_column);
  if (!table.header.empty() && !table.header[index_column].empty()) frame.index_name = table.header[index_column];
  const std::string duplicate = first_duplicate(frame.index);
  if (!duplicate.empty())
    throw sdk::Error(quoted(table.source) + ": '" + duplicate + "' appears more than once in its first column" +
                     (table.header.empty() ? std::string() : " ('" + table.header[index_column] + "')") +
                     "; row names must be unique");
  for (std::size_t j = 0; j < width; ++j) {
    if (j == index_column) continue;
    std::string name = table.header.empty() || table.header[j].empty() ? std::to_string(j) : table.header[j];
    frame.set(name, typed_column(table.column(j)));
  }
  return frame;
}

std::string first_duplicate(const std::vector<std::string>& names) {
  std::unordered_set<std::string> seen;
  seen.reserve(names.size());
  for (const auto& n : names)
    if (!seen.insert(n).second) return n;
  return {};
}

}  // namespace trellis::core::io
