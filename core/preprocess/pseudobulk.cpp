#include "trellis/preprocess/pseudobulk.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "trellis/sdk/error.hpp"

namespace trellis::core::preprocess {

std::vector<float> DenseMatrix::row(std::int64_t r) const {
  const auto begin = values.begin() + static_cast<std::ptrdiff_t>(r * cols);
  return std::vector<float>(begin, begin + static_cast<std::ptrdiff_t>(cols));
}

std::vector<std::vector<std::int64_t>> cells_by_condition(const std::vector<std::int64_t>& cell_condition,
                                                          std::int64_t n_conditions, std::int64_t n_cells) {
  if (static_cast<std::int64_t>(cell_condition.size()) != n_cells) {
    throw sdk::Error("per-cell condition list has " + std::to_string(cell_condition.size()) +
                     " entries but the expression matrix has " + std::to_string(n_cells) +
                     " cells; give one condition per cell");
  }
  std::vector<std::vector<std::int64_t>> groups(static_cast<std::size_t>(n_conditions));
  for (std::int64_t i = 0; i < n_cells; ++i) {
    const std::int64_t c = cell_condition[static_cast<std::size_t>(i)];
    if (c == -1) continue;
    if (c < 0 || c >= n_conditions) {
      throw sdk::Error("cell " + std::to_string(i) + " has condition index " + std::to_string(c) +
                       ", outside [0, " + std::to_string(n_conditions) + ") (use -1 for a cell without condition)");
    }
    groups[static_cast<std::size_t>(c)].push_back(i);
  }
  return groups;
}

namespace detail {

void mean_var(const sdk::CsrMatrix& X, const std::vector<std::int64_t>& cells, std::vector<double>& mean,
              std::vector<double>& var, std::vector<std::int64_t>& nonzero) {
  const auto G = static_cast<std::size_t>(X.cols);
  mean.assign(G, 0.0);
  var.assign(G, 0.0);
  nonzero.assign(G, 0);
  const double n = static_cast<double>(cells.size());
  for (const std::int64_t r : cells) {
    for (auto k = static_cast<std::size_t>(X.indptr[r]); k < static_cast<std::size_t>(X.indptr[r + 1]); ++k) {
      const auto c = static_cast<std::size_t>(X.indices[k]);
      mean[c] += X.values[k];
      ++nonzero[c];
    }
  }
  if (cells.empty()) {
    var.assign(G, std::numeric_limits<double>::quiet_NaN());
    return;
  }
  for (std::size_t c = 0; c < G; ++c) mean[c] /= n;
  // Two passes: sum of squared deviations over stored values, plus the
  // implicit zeros, avoids the cancellation of E[x^2] - E[x]^2.
  for (const std::int64_t r : cells) {
    for (auto k = static_cast<std::size_t>(X.indptr[r]); k < static_cast<std::size_t>(X.indptr[r + 1]); ++k) {
      const auto c = static_cast<std::size_t>(X.indices[k]);
      const double d = X.values[k] - mean[c];
      var[c] += d * d;
    }
  }
  for (std::size_t c = 0; c < G; ++c) {
    const double zeros = n - static_cast<double>(nonzero[c]);
    var[c] = n < 2 ? std::numeric_limits<double>::quiet_NaN() : (var[c] + zeros * mean[c] * mean[c]) / (n - 1.0);
  }
}

}  // namespace detail

Pseudobulk pseudobulk(const sdk::CsrMatrix& X, const std::vector<std::int64_t>& cell_condition,
                      std::int64_t n_conditions) {
  const auto groups = cells_by_condition(cell_condition, n_conditions, X.rows);
  Pseudobulk out;
  out.means.rows = n_conditions;
  out.means.cols = X.cols;
  out.means.values.assign(static_cast<std::size_t>(n_conditions * X.cols), 0.0f);
  out.cell_counts.resize(static_cast<std::size_t>(n_conditions));
  // Each condition is summed by one thread in cell order, so dynamic
  // scheduling (for the large control group) does not change the result.
#pragma omp parallel
  {
    std::vector<double> sum;
#pragma omp for schedule(dynamic, 1)
    for (std::int64_t c = 0; c < n_conditions; ++c) {
      const auto& cells = groups[static_cast<std::size_t>(c)];
      out.cell_counts[static_cast<std::size_t>(c)] = static_cast<std::int64_t>(cells.size());
      if (cells.empty()) continue;
      sum.assign(static_cast<std::size_t>(X.cols), 0.0);
      for (const std::int64_t r : cells) {
        for (auto k = static_cast<std::size_t>(X.indptr[r]); k < static_cast<std::size_t>(X.indptr[r + 1]); ++k) {
          sum[static_cast<std::size_t>(X.indices[k])] += X.values[k];
        }
      }
      float* row = out.means.values.data() + c * X.cols;
      const double n = static_cast<double>(cells.size());
      for (std::int64_t g = 0; g < X.cols; ++g) row[g] = static_cast<float>(sum[static_cast<std::size_t>(g)] / n);
    }
  }
  return out;
}

}  // namespace trellis::core::preprocess
