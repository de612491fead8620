#include "trellis/io/matrix_market.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "trellis/io/tables.hpp"
#include "trellis/io/tenx.hpp"
#include "trellis/sdk/text_input.hpp"
#include "trellis/sdk/error.hpp"

namespace trellis::core::io {

namespace {

std::string quoted(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// Splits on blanks into at most `max` views; returns how many were found
// (max + 1 when there are more).
std::size_t split(std::string_view line, std::string_view* out, std::size_t max) {
  std::size_t count = 0;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_space(line[i])) ++i;
    if (i == line.size()) break;
    std::size_t j = i;
    while (j < line.size() && !is_space(line[j])) ++j;
    if (count == max) return max + 1;
    out[count++] = line.substr(i, j - i);
    i = j;
  }
  return count;
}

bool parse_int(std::string_view s, std::int64_t& value) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  return ec == std::errc() && end == s.data() + s.size();
}

bool parse_real(std::string_view s, double& value) {
  // from_chars rejects a leading '+', which some writers emit.
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  return ec == std::errc() && end == s.data() + s.size();
}

bool blank_or_comment(std::string_view line) {
  for (char c : line) {
    if (c == '%') return true;
    if (!is_space(c)) return false;
  }
  return true;
}

const char* expected_banner =
    "expected '%%MatrixMarket matrix coordinate <real|integer|pattern> <general|symmetric|skew-symmetric>'";

MatrixMarketHeader parse_header(sdk::TextInput& input) {
  const std::string where = quoted(input.path());
  std::string_view line;
  if (!input.next(line)) throw sdk::Error("malformed MatrixMarket header in " + where + " line 1: the file is empty");
  const std::string first(line.substr(0, 200));
  auto bad_header = [&](const std::string& why) {
    return sdk::Error("malformed MatrixMarket header in " + where + " line 1: " + why + "; got '" + first + "'");
  };
  std::string_view tokens[6];
  const std::size_t n = split(line, tokens, 5);
  if (n == 0 || lower(tokens[0]) != "%%matrixmarket") throw bad_header(expected_banner);
  if (n != 5) throw bad_header(expected_banner);
  if (lower(tokens[1]) != "matrix") throw bad_header("only 'matrix' objects are supported");
  const std::string format = lower(tokens[2]);
  if (format == "array")
    throw bad_header("dense 'array' files are not supported, only 'coordinate' (sparse); convert the matrix");
  if (format != "coordinate") throw bad_header(expected_banner);
  MatrixMarketHeader header;
  header.field = lower(tokens[3]);
  if (header.field == "double") header.field = "real";
  if (header.field == "complex") throw bad_header("complex values are not supported");
  if (header.field != "real" && header.field != "integer" && header.field != "pattern")
    throw bad_header("unknown value type '" + std::string(tokens[3]) + "', " + expected_banner);
  header.symmetry = lower(tokens[4]);
  if (header.symmetry == "hermitian") throw bad_header("hermitian matrices are not supported");
  if (header.symmetry != "general" && header.symmetry != "symmetric" && header.symmetry != "skew-symmetric")
    throw bad_header("unknown symmetry '" + std::string(tokens[4]) + "', " + expected_banner);

  while (input.next(line)) {
    if (blank_or_comment(line)) continue;
    std::string_view sizes[4];
    const auto bad_size = [&](const std::string& why) {
      return sdk::Error("malformed MatrixMarket size line in " + where + " line " +
                        std::to_string(input.line_number()) + ": " + why + "; got '" +
                        std::string(line.substr(0, 200)) + "'");
    };
    if (split(line, sizes, 3) != 3 || !parse_int(sizes[0], header.rows) || !parse_int(sizes[1], header.cols) ||
        !parse_int(sizes[2], header.entries))
      throw bad_size("expected three integers 'rows columns entries'");
    if (header.rows < 0 || header.cols < 0 || header.entries < 0) throw bad_size("sizes must not be negative");
    constexpr std::int64_t max_index = std::numeric_limits<std::int32_t>::max();
    if (header.rows > max_index || header.cols > max_index)
      throw bad_size("more than 2^31 - 1 rows or columns are not supported");
    if (header.symmetry != "general" && header.rows != header.cols)
      throw bad_size("a " + header.symmetry + " matrix must be square");
    return header;
  }
  throw sdk::Error("malformed MatrixMarket file " + where + ": no size line ('rows columns entries') after the header");
}

}  // namespace

MatrixMarketHeader read_matrix_market_header(const std::filesystem::path& path) {
  sdk::TextInput input(path);
  return parse_header(input);
}

sdk::CsrMatrix read_matrix_market(const std::filesystem::path& path, bool transpose) {
  sdk::TextInput input(path);
  const MatrixMarketHeader header = parse_header(input);
  const std::string where = quoted(path);
  const std::int64_t size_line = input.line_number();
  const bool pattern = header.field == "pattern";
  const bool mirrored = header.symmetry != "general";
  const float mirror_sign = header.symmetry == "skew-symmetric" ? -1.0f : 1.0f;
  const std::size_t columns = pattern ? 2 : 3;

  // Triplets in file order, already in the output orientation.
  std::vector<std::int32_t> rows;
  std::vector<std::int32_t> cols;
  std::vector<float> values;
  // Cap the reservation so that a wrong size line cannot exhaust memory.
  const auto reserve = static_cast<std::size_t>(std::min<std::int64_t>(header.entries, 1 << 27) * (mirrored ? 2 : 1));
  rows.reserve(reserve);
  cols.reserve(reserve);
  values.reserve(reserve);

  std::int64_t seen = 0;
  std::string_view line;
  std::string_view tokens[4];
  while (input.next(line)) {
    if (blank_or_comment(line)) continue;
    const auto at_line = [&] { return where + " line " + std::to_string(input.line_number()); };
    if (seen == header.entries)
      throw sdk::Error("MatrixMarket file " + where + " has more entries than the " + std::to_string(header.entries) +
                       " declared on its size line (line " + std::to_string(size_line) + "): extra entry at line " +
                       std::to_string(input.line_number()) + ". Fix the size line or remove the extra entries.");
    const std::size_t n = split(line, tokens, 3);
    std::int64_t i = 0;
    std::int64_t j = 0;
    double value = 1.0;
    if (n != columns || !parse_int(tokens[0], i) || !parse_int(tokens[1], j) ||
        (!pattern && !parse_real(tokens[2], value)))
      throw sdk::Error("malformed MatrixMarket entry in " + at_line() + ": expected '" +
                       (pattern ? std::string("row column") : std::string("row column value")) + "', got '" +
                       std::string(line.substr(0, 200)) + "'");
    if (i < 1 || i > header.rows || j < 1 || j > header.cols)
      throw sdk::Error("MatrixMarket index out of range in " + at_line() + ": entry (" + std::to_string(i) + ", " +
                       std::to_string(j) + ") is outside the declared " + std::to_string(header.rows) + " x " +
                       std::to_string(header.cols) + " matrix (indices are 1-based)");
    if (!std::isfinite(value) || std::abs(value) > std::numeric_limits<float>::max())
      throw sdk::Error("MatrixMarket value in " + at_line() + " is not a finite number: '" +
                       std::string(tokens[2]) + "'");
    ++seen;
    auto r = static_cast<std::int32_t>(i - 1);
    auto c = static_cast<std::int32_t>(j - 1);
    if (transpose) std::swap(r, c);
    rows.push_back(r);
    cols.push_back(c);
    values.push_back(static_cast<float>(value));
    if (mirrored && r != c) {
      rows.push_back(c);
      cols.push_back(r);
      values.push_back(mirror_sign * static_cast<float>(value));
    }
  }
  if (seen != header.entries)
    throw sdk::Error("MatrixMarket file " + where + " has " + std::to_string(seen) + " entries but its size line (line " +
                     std::to_string(size_line) + ") declares " + std::to_string(header.entries) +
                     ": the file is truncated or its size line is wrong");

  // Counting sort by row: stable, so rows come out with columns in file
  // order, which is already sorted for the usual column- or row-major files.
  sdk::CsrMatrix m;
  m.rows = transpose ? header.cols : header.rows;
  m.cols = transpose ? header.rows : header.cols;
  m.indptr.assign(static_cast<std::size_t>(m.rows + 1), 0);
  for (auto r : rows) ++m.indptr[static_cast<std::size_t>(r) + 1];
  for (std::int64_t r = 0; r < m.rows; ++r) m.indptr[r + 1] += m.indptr[r];
  m.indices.resize(values.size());
  m.values.resize(values.size());
  {
    std::vector<std::int64_t> next(m.indptr.begin(), m.indptr.end() - 1);
    for (std::size_t k = 0; k < values.size(); ++k) {
      const auto dst = static_cast<std::size_t>(next[static_cast<std::size_t>(rows[k])]++);
      m.indices[dst] = cols[k];
      m.values[dst] = values[k];
    }
  }
  std::vector<std::int32_t>().swap(rows);
  std::vector<std::int32_t>().swap(cols);
  std::vector<float>().swap(values);

  // Sort the rare unsorted rows, then sum repeated coordinates in place.
  std::vector<std::pair<std::int32_t, float>> scratch;
  std::int64_t out = 0;
  std::int64_t row_start = 0;
  for (std::int64_t r = 0; r < m.rows; ++r) {
    const std::int64_t a = row_start;
    const std::int64_t b = m.indptr[r + 1];
    row_start = b;
    if (!std::is_sorted(m.indices.begin() + a, m.indices.begin() + b)) {
      scratch.clear();
      for (std::int64_t k = a; k < b; ++k) scratch.emplace_back(m.indices[k], m.values[k]);
      std::stable_sort(scratch.begin(), scratch.end(),
                       [](const auto& x, const auto& y) { return x.first < y.first; });
      for (std::int64_t k = a; k < b; ++k) {
        m.indices[k] = scratch[static_cast<std::size_t>(k - a)].first;
        m.values[k] = scratch[static_cast<std::size_t>(k - a)].second;
      }
    }
    const std::int64_t first_out = out;
    for (std::int64_t k = a; k < b; ++k) {
      if (out > first_out && m.indices[out - 1] == m.indices[k]) {
        m.values[out - 1] += m.values[k];
      } else {
        m.indices[out] = m.indices[k];
        m.values[out] = m.values[k];
        ++out;
      }
    }
    m.indptr[r + 1] = out;
  }
  m.indices.resize(static_cast<std::size_t>(out));
  m.values.resize(static_cast<std::size_t>(out));
  return m;
}

namespace {

std::string lower_name(const std::filesystem::path& path) {
  std::string name = sdk::name_without_gz(path);
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

bool is_txt(const std::filesystem::path& path) {
  const std::string name = lower_name(path);
  return name.size() >= 4 && name.compare(name.size() - 4, 4, ".txt") == 0;
}

void require_file(const std::filesystem::path& path, const char* what) {
  if (path.empty()) throw sdk::Error(std::string("MatrixMarket dataset: no ") + what + " file given");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw sdk::Error(std::string("MatrixMarket dataset: ") + what + " file " + quoted(path) + " does not exist");
}

// The two extents of a file's matrix as (features, cells).
std::pair<std::int64_t, std::int64_t> features_by_cells(const MatrixMarketHeader& h, bool genes_by_cells) {
  return genes_by_cells ? std::make_pair(h.rows, h.cols) : std::make_pair(h.cols, h.rows);
}

std::string axis(bool genes_by_cells, bool features) {
  return (genes_by_cells == features) ? "rows" : "columns";
}

}  // namespace

sdk::AnnData read_mtx_with_sidecars(const MtxSidecarSpec& spec) {
  require_file(spec.matrix, "matrix");
  require_file(spec.genes, "genes");
  const bool with_guides = !spec.guide_counts.empty();
  if (with_guides) {
    require_file(spec.guide_counts, "guide counts");
    require_file(spec.guides, "guide names (needed with guide counts)");
  } else if (!spec.guides.empty() || !spec.guide_targets.empty()) {
    throw sdk::Error("MatrixMarket dataset: guide names or targets are given but no guide counts matrix");
  }
  if (!spec.guide_targets.empty()) require_file(spec.guide_targets, "guide targets");
  if (!spec.cells.empty()) require_file(spec.cells, "cells");

  const bool gbc = spec.genes_by_cells;
  const auto [n_genes, n_cells] = features_by_cells(read_matrix_market_header(spec.matrix), gbc);
  const std::vector<std::string> genes = read_names(spec.genes);
  if (static_cast<std::int64_t>(genes.size()) != n_genes)
    throw sdk::Error(quoted(spec.matrix) + " has " + std::to_string(n_genes) + " " + axis(gbc, true) + " (genes) but " +
                     quoted(spec.genes) + " lists " + std::to_string(genes.size()) +
                     " gene names; they must describe the same genes" +
                     (static_cast<std::int64_t>(genes.size()) == n_cells ? " (is genes_by_cells set right?)" : ""));

  sdk::AnnData d;
  if (spec.cells.empty()) {
    for (std::int64_t i = 0; i < n_cells; ++i) d.obs.index.push_back(std::to_string(i));
  } else {
    if (is_txt(spec.cells)) {
      d.obs.index = read_names(spec.cells);
      const std::string duplicate = first_duplicate(d.obs.index);
      if (!duplicate.empty())
        throw sdk::Error(quoted(spec.cells) + " lists cell '" + duplicate + "' more than once; cell names must be unique");
    } else {
      d.obs = to_data_frame(read_table(spec.cells));
    }
    if (static_cast<std::int64_t>(d.obs.size()) != n_cells)
      throw sdk::Error(quoted(spec.matrix) + " has " + std::to_string(n_cells) + " " + axis(gbc, false) +
                       " (cells) but " + quoted(spec.cells) + " describes " + std::to_string(d.obs.size()) +
                       " cells; they must describe the same cells");
  }

  std::vector<std::string> guides;
  if (with_guides) {
    const auto [n_guides, guide_cells] = features_by_cells(read_matrix_market_header(spec.guide_counts), gbc);
    if (guide_cells != n_cells)
      throw sdk::Error(quoted(spec.guide_counts) + " has " + std::to_string(guide_cells) + " " + axis(gbc, false) +
                       " (cells) but " + quoted(spec.matrix) + " has " + std::to_string(n_cells) +
                       "; both matrices must hold the same cells in the same order");
    guides = read_names(spec.guides);
    if (static_cast<std::int64_t>(guides.size()) != n_guides)
      throw sdk::Error(quoted(spec.guide_counts) + " has " + std::to_string(n_guides) + " " + axis(gbc, true) +
                       " (guides) but " + quoted(spec.guides) + " lists " + std::to_string(guides.size()) +
                       " guide names; they must describe the same guides");
    const std::string duplicate = first_duplicate(guides);
    if (!duplicate.empty())
      throw sdk::Error(quoted(spec.guides) + " lists guide '" + duplicate + "' more than once; guide names must be unique");
  }

  // Targets are checked before the large matrices are read.
  std::vector<std::string> targets(guides.size());
  if (with_guides && !spec.guide_targets.empty()) {
    const TextTable table = read_table(spec.guide_targets);
    if (table.columns() < 2)
      throw sdk::Error(quoted(spec.guide_targets) + " has " + std::to_string(table.columns()) +
                       " column(s); expected a header and two columns: guide name, target gene");
    std::unordered_map<std::string, std::size_t> position;
    for (std::size_t i = 0; i < guides.size(); ++i) position.emplace(guides[i], i);
    std::vector<std::int64_t> listed_at(guides.size(), 0);
    for (std::size_t r = 0; r < table.rows.size(); ++r) {
      const std::string& guide = table.rows[r][0];
      const auto it = position.find(guide);
      const std::string where = quoted(spec.guide_targets) + " line " + std::to_string(table.lines[r]);
      if (it == position.end())
        throw sdk::Error(where + " names guide '" + guide + "', which is not in " + quoted(spec.guides) +
                         "; remove the row or add the guide");
      if (listed_at[it->second] != 0)
        throw sdk::Error(where + " gives guide '" + guide + "' a second target (first at line " +
                         std::to_string(listed_at[it->second]) + "); give each guide one target");
      listed_at[it->second] = table.lines[r];
      targets[it->second] = table.rows[r][1];
    }
  } else {
    for (std::size_t i = 0; i < guides.size(); ++i) targets[i] = target_from_guide_name(guides[i]);
  }

  d.X = read_matrix_market(spec.matrix, /*transpose=*/gbc);
  d.var.index = genes;
  if (with_guides) {
    d.guide_counts = read_matrix_market(spec.guide_counts, /*transpose=*/gbc);
    d.guides.index = std::move(guides);
    d.guides.set("target", sdk::Column::from_strings(std::move(targets)));
  }
  nlohmann::json files = {{"matrix", spec.matrix.string()}, {"genes", spec.genes.string()}};
  if (!spec.cells.empty()) files["cells"] = spec.cells.string();
  if (with_guides) {
    files["guide_counts"] = spec.guide_counts.string();
    files["guides"] = spec.guides.string();
    if (!spec.guide_targets.empty()) files["guide_targets"] = spec.guide_targets.string();
  }
  d.uns["mtx"] = files;
  return d;
}

}  // namespace trellis::core::io
