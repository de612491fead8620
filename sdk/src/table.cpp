#include "trellis/sdk/table.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/suggest.hpp"

namespace trellis::sdk {

namespace {

// The row holding stored value `k` of a structurally valid matrix.
std::int64_t row_of(const CsrMatrix& m, std::int64_t k) {
  const auto it = std::upper_bound(m.indptr.begin(), m.indptr.end(), k);
  return static_cast<std::int64_t>(it - m.indptr.begin()) - 1;
}

// Counts (in one parallel pass: screens hold 10^8 values) the stored values
// that fail `bad`, and returns the position of the first, or -1.
template <class Bad>
std::int64_t first_bad(const CsrMatrix& m, Bad bad) {
  const std::int64_t n = m.nnz();
  std::int64_t count = 0;
#pragma omp parallel for reduction(+ : count) schedule(static)
  for (std::int64_t k = 0; k < n; ++k) count += bad(k) ? 1 : 0;
  if (count == 0) return -1;
  for (std::int64_t k = 0; k < n; ++k)
    if (bad(k)) return k;
  return -1;
}

}  // namespace

void CsrMatrix::validate_structure(const std::string& where) const {
  if (rows < 0 || cols < 0) throw Error(where + ": negative matrix shape");
  if (static_cast<std::int64_t>(indptr.size()) != rows + 1)
    throw Error(where + ": indptr has " + std::to_string(indptr.size()) + " entries, expected rows + 1 = " +
                std::to_string(rows + 1));
  if (indices.size() != values.size())
    throw Error(where + ": " + std::to_string(indices.size()) + " indices but " + std::to_string(values.size()) +
                " values");
  if (indptr.front() != 0) throw Error(where + ": indptr must start at 0, got " + std::to_string(indptr.front()));
  for (std::int64_t r = 0; r < rows; ++r)
    if (indptr[r + 1] < indptr[r])
      throw Error(where + ": indptr is not monotone at row " + std::to_string(r) + " (" + std::to_string(indptr[r]) +
                  " then " + std::to_string(indptr[r + 1]) + ")");
  if (indptr.back() != nnz())
    throw Error(where + ": indptr ends at " + std::to_string(indptr.back()) + " but there are " +
                std::to_string(nnz()) + " stored values");
  const auto* idx = indices.data();
  const std::int64_t k = first_bad(*this, [&](std::int64_t i) { return idx[i] < 0 || idx[i] >= cols; });
  if (k >= 0)
    throw Error(where + ": column index " + std::to_string(idx[k]) + " in row " + std::to_string(row_of(*this, k)) +
                " (stored value " + std::to_string(k) + ") is out of range [0, " + std::to_string(cols) + ")");
}

void CsrMatrix::validate(const std::string& where) const {
  validate_structure(where);
  const auto* val = values.data();
  const std::int64_t k = first_bad(*this, [&](std::int64_t i) { return !std::isfinite(val[i]); });
  if (k >= 0)
    throw Error(where + ": non-finite value (" + (std::isnan(val[k]) ? "NaN" : "Inf") + ") at row " +
                std::to_string(row_of(*this, k)) + ", column " + std::to_string(indices[k]));
}

CsrMatrix CsrMatrix::transposed() const {
  CsrMatrix t;
  t.rows = cols;
  t.cols = rows;
  t.indptr.assign(static_cast<std::size_t>(cols + 1), 0);
  for (auto c : indices) ++t.indptr[static_cast<std::size_t>(c) + 1];
  for (std::int64_t c = 0; c < cols; ++c) t.indptr[c + 1] += t.indptr[c];
  t.indices.resize(indices.size());
  t.values.resize(values.size());
  std::vector<std::int64_t> next(t.indptr.begin(), t.indptr.end() - 1);
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t k = indptr[r]; k < indptr[r + 1]; ++k) {
      const auto dst = next[static_cast<std::size_t>(indices[k])]++;
      t.indices[dst] = static_cast<std::int32_t>(r);
      t.values[dst] = values[k];
    }
  return t;
}

CsrMatrix CsrMatrix::select_rows(const std::vector<std::int64_t>& keep) const {
  CsrMatrix out;
  out.rows = static_cast<std::int64_t>(keep.size());
  out.cols = cols;
  out.indptr.reserve(keep.size() + 1);
  for (auto r : keep) {
    if (r < 0 || r >= rows) throw Error("row " + std::to_string(r) + " out of range");
    out.indices.insert(out.indices.end(), indices.begin() + indptr[r], indices.begin() + indptr[r + 1]);
    out.values.insert(out.values.end(), values.begin() + indptr[r], values.begin() + indptr[r + 1]);
    out.indptr.push_back(static_cast<std::int64_t>(out.values.size()));
  }
  return out;
}

CsrMatrix CsrMatrix::select_cols(const std::vector<std::int64_t>& keep) const {
  std::vector<std::int32_t> remap(static_cast<std::size_t>(cols), -1);
  for (std::size_t j = 0; j < keep.size(); ++j) {
    if (keep[j] < 0 || keep[j] >= cols) throw Error("column " + std::to_string(keep[j]) + " out of range");
    remap[static_cast<std::size_t>(keep[j])] = static_cast<std::int32_t>(j);
  }
  CsrMatrix out;
  out.rows = rows;
  out.cols = static_cast<std::int64_t>(keep.size());
  out.indptr.reserve(static_cast<std::size_t>(rows + 1));
  for (std::int64_t r = 0; r < rows; ++r) {
    const auto start = out.values.size();
    for (std::int64_t k = indptr[r]; k < indptr[r + 1]; ++k) {
      const auto j = remap[static_cast<std::size_t>(indices[k])];
      if (j < 0) continue;
      out.indices.push_back(j);
      out.values.push_back(values[k]);
    }
    // keep columns sorted within the row when `keep` reorders them
    if (!std::is_sorted(out.indices.begin() + start, out.indices.end())) {
      std::vector<std::pair<std::int32_t, float>> row;
      for (auto k = start; k < out.values.size(); ++k) row.emplace_back(out.indices[k], out.values[k]);
      std::sort(row.begin(), row.end());
      for (std::size_t k = 0; k < row.size(); ++k) {
        out.indices[start + k] = row[k].first;
        out.values[start + k] = row[k].second;
      }
    }
    out.indptr.push_back(static_cast<std::int64_t>(out.values.size()));
  }
  return out;
}

std::size_t Column::size() const {
  switch (kind) {
    case Kind::categorical: return codes.size();
    case Kind::string: return strings.size();
    case Kind::integer: return integers.size();
    case Kind::real: return reals.size();
    case Kind::boolean: return booleans.size();
  }
  return 0;
}

bool Column::is_missing(std::size_t row) const {
  if (kind == Kind::categorical) return codes.at(row) < 0;
  if (kind == Kind::real) return std::isnan(reals.at(row));
  return !missing.empty() && missing.at(row) != 0;
}

std::string Column::text(std::size_t row) const {
  if (is_missing(row)) return "";
  switch (kind) {
    case Kind::categorical: return categories.at(static_cast<std::size_t>(codes.at(row)));
    case Kind::string: return strings.at(row);
    case Kind::integer: return std::to_string(integers.at(row));
    case Kind::real: {
      std::string s = std::to_string(reals.at(row));
      s.erase(s.find_last_not_of('0') + 1);
      if (!s.empty() && s.back() == '.') s.pop_back();
      return s;
    }
    case Kind::boolean: return booleans.at(row) ? "True" : "False";
  }
  return "";
}

Column Column::from_strings(std::vector<std::string> values) {
  Column c;
  c.kind = Kind::string;
  c.strings = std::move(values);
  return c;
}

Column Column::categorical_from(const std::vector<std::string>& values) {
  Column c;
  c.kind = Kind::categorical;
  std::unordered_map<std::string, std::int32_t> seen;
  c.codes.reserve(values.size());
  for (const auto& v : values) {
    auto [it, added] = seen.emplace(v, static_cast<std::int32_t>(c.categories.size()));
    if (added) c.categories.push_back(v);
    c.codes.push_back(it->second);
  }
  return c;
}

Column Column::from_reals(std::vector<double> values) {
  Column c;
  c.kind = Kind::real;
  c.reals = std::move(values);
  return c;
}

Column Column::from_integers(std::vector<std::int64_t> values) {
  Column c;
  c.kind = Kind::integer;
  c.integers = std::move(values);
  return c;
}

const Column& DataFrame::column(const std::string& name, const std::string& where) const {
  const auto it = columns.find(name);
  if (it != columns.end()) return it->second;
  std::string message = where + " has no column '" + name + "'.";
  const std::string near = closest_match(name, column_order);
  if (!near.empty()) message += " Did you mean '" + near + "'?";
  throw Error(message + " Columns: " + (column_order.empty() ? std::string("none") : join(column_order)) + ".");
}

void DataFrame::set(const std::string& name, Column column) {
  if (!has(name)) column_order.push_back(name);
  columns[name] = std::move(column);
}

DataFrame DataFrame::select(const std::vector<std::int64_t>& keep) const {
  DataFrame out;
  out.index_name = index_name;
  out.column_order = column_order;
  out.index.reserve(keep.size());
  for (auto r : keep) out.index.push_back(index.at(static_cast<std::size_t>(r)));
  for (const auto& [name, c] : columns) {
    Column s;
    s.kind = c.kind;
    s.categories = c.categories;
    for (auto r : keep) {
      const auto i = static_cast<std::size_t>(r);
      switch (c.kind) {
        case Column::Kind::categorical: s.codes.push_back(c.codes.at(i)); break;
        case Column::Kind::string: s.strings.push_back(c.strings.at(i)); break;
        case Column::Kind::integer: s.integers.push_back(c.integers.at(i)); break;
        case Column::Kind::real: s.reals.push_back(c.reals.at(i)); break;
        case Column::Kind::boolean: s.booleans.push_back(c.booleans.at(i)); break;
      }
      if (!c.missing.empty()) s.missing.push_back(c.missing.at(i));
    }
    out.columns.emplace(name, std::move(s));
  }
  return out;
}

}  // namespace trellis::sdk
