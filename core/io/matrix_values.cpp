#include "trellis/io/matrix_values.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "trellis/sdk/error.hpp"

namespace trellis::core::io {

namespace {

ValueAt at(const sdk::CsrMatrix& X, std::int64_t row, std::int64_t k) {
  return ValueAt{row, X.indices[static_cast<std::size_t>(k)], X.values[static_cast<std::size_t>(k)]};
}

std::string value_text(float v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Inf" : "-Inf";
  std::string s = std::to_string(v);
  s.erase(s.find_last_not_of('0') + 1);
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

ValueSummary summarise_values(const sdk::CsrMatrix& X) {
  ValueSummary s;
  s.stored = X.nnz();
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (std::int64_t r = 0; r < X.rows; ++r) {
    for (std::int64_t k = X.indptr[r]; k < X.indptr[r + 1]; ++k) {
      const float v = X.values[static_cast<std::size_t>(k)];
      if (std::isnan(v)) {
        if (s.nan++ == 0) s.first_nan = at(X, r, k);
        continue;
      }
      if (std::isinf(v)) {
        if (s.infinite++ == 0) s.first_infinite = at(X, r, k);
        continue;
      }
      lo = std::min(lo, static_cast<double>(v));
      hi = std::max(hi, static_cast<double>(v));
      if (v < 0.0f && s.negative++ == 0) s.first_negative = at(X, r, k);
      if (std::floor(v) != v && s.non_integer++ == 0) s.first_non_integer = at(X, r, k);
    }
  }
  if (s.stored < X.rows * X.cols) {  // implicit zeros
    lo = std::min(lo, 0.0);
    hi = std::max(hi, 0.0);
  }
  if (lo <= hi) {
    s.min = lo;
    s.max = hi;
  }
  return s;
}

std::string describe_position(const ValueAt& at, const std::vector<std::string>& cells,
                              const std::vector<std::string>& genes) {
  std::string text = "cell ";
  if (at.row < static_cast<std::int64_t>(cells.size())) text += "'" + cells[static_cast<std::size_t>(at.row)] + "' ";
  text += "(row " + std::to_string(at.row) + "), gene ";
  if (at.column < static_cast<std::int64_t>(genes.size()))
    text += "'" + genes[static_cast<std::size_t>(at.column)] + "' ";
  return text + "(column " + std::to_string(at.column) + "), value " + value_text(at.value);
}

NegativeValues find_negative(const sdk::CsrMatrix& X) {
  const std::int64_t n = X.nnz();
  const float* v = X.values.data();
  std::int64_t count = 0;
#pragma omp parallel for reduction(+ : count) schedule(static)
  for (std::int64_t k = 0; k < n; ++k) count += v[k] < 0.0f ? 1 : 0;
  NegativeValues found;
  found.count = count;
  if (count > 0) found.first = summarise_values(X).first_negative;
  return found;
}

std::string negative_values_problem(const NegativeValues& negative, const std::vector<std::string>& cells,
                                    const std::vector<std::string>& genes) {
  return "X has " + std::to_string(negative.count) +
         " negative values, which log-normalised expression (log1p of normalised counts) never has; the first at " +
         describe_position(negative.first, cells, genes) +
         ". Scaled (z-scored) data is not expression: give the log-normalised matrix from before scaling "
         "(e.g. adata.raw), or raw counts with [data] values = \"counts\"";
}

void check_finite(const sdk::CsrMatrix& X, const std::vector<std::string>& cells, const std::vector<std::string>& genes,
                  const std::string& where) {
  // A parallel count first: the full summary only when something is wrong.
  const std::int64_t n = X.nnz();
  const float* v = X.values.data();
  std::int64_t bad = 0;
#pragma omp parallel for reduction(+ : bad) schedule(static)
  for (std::int64_t k = 0; k < n; ++k) bad += std::isfinite(v[k]) ? 0 : 1;
  if (bad == 0) return;
  const ValueSummary s = summarise_values(X);
  const auto before = [](const ValueAt& a, const ValueAt& b) {
    return !b.found() || (a.found() && (a.row < b.row || (a.row == b.row && a.column < b.column)));
  };
  const ValueAt& first = before(s.first_nan, s.first_infinite) ? s.first_nan : s.first_infinite;
  throw sdk::Error(where + ": " + std::to_string(s.nan) + " NaN and " + std::to_string(s.infinite) +
                   " infinite values; the first at " + describe_position(first, cells, genes) +
                   ". Expression must be finite: fix or drop these cells or genes before loading (e.g. "
                   "numpy.nan_to_num on X, or subset the AnnData)");
}

}  // namespace trellis::core::io
