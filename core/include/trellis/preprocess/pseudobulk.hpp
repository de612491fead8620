#pragma once
// Per-condition mean expression (pseudobulk) and cell grouping.

#include <cstdint>
#include <vector>

#include "trellis/sdk/table.hpp"

namespace trellis::core::preprocess {

/// Dense row-major float matrix.
struct DenseMatrix {
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  std::vector<float> values;  ///< rows * cols, row-major

  float at(std::int64_t r, std::int64_t c) const { return values[static_cast<std::size_t>(r * cols + c)]; }
  /// A copy of row `r`.
  std::vector<float> row(std::int64_t r) const;
};

/// Cell ids of each condition, ascending. `cell_condition[i]` is the
/// condition of cell i, in [0, n_conditions), or -1 for a cell that belongs
/// to none (it is ignored). Throws trellis::sdk::Error when the length
/// differs from `n_cells` or an index is out of range.
std::vector<std::vector<std::int64_t>> cells_by_condition(const std::vector<std::int64_t>& cell_condition,
                                                          std::int64_t n_conditions, std::int64_t n_cells);

struct Pseudobulk {
  DenseMatrix means;                     ///< conditions x genes; a condition without cells is all zero
  std::vector<std::int64_t> cell_counts;  ///< per condition
};

/// Mean expression over each condition's cells (sums in double, in cell
/// order, so the result does not depend on the thread count).
Pseudobulk pseudobulk(const sdk::CsrMatrix& X, const std::vector<std::int64_t>& cell_condition,
                      std::int64_t n_conditions);

namespace detail {
/// Mean and variance (ddof=1; NaN for fewer than 2 cells) per gene over
/// `cells`, two-pass. Buffers are reused across calls.
void mean_var(const sdk::CsrMatrix& X, const std::vector<std::int64_t>& cells, std::vector<double>& mean,
              std::vector<double>& var, std::vector<std::int64_t>& nonzero);
}  // namespace detail

}  // namespace trellis::core::preprocess
