#pragma once
// What the values of an expression matrix look like, and checks on them
// whose messages name the cell and the gene of a bad value.

#include <cstdint>
#include <string>
#include <vector>

#include "trellis/sdk/table.hpp"

namespace trellis::core::io {

/// One stored value and where it sits (row = cell, column = gene).
struct ValueAt {
  std::int64_t row = -1;  ///< -1: no such value
  std::int32_t column = -1;
  float value = 0.0f;
  bool found() const { return row >= 0; }
};

/// One pass over the stored values of a (structurally valid) matrix.
struct ValueSummary {
  std::int64_t stored = 0;       ///< stored (explicit) values
  double min = 0.0, max = 0.0;   ///< over finite stored values, and the implicit zeros when there are any
  std::int64_t nan = 0, infinite = 0, negative = 0, non_integer = 0;
  ValueAt first_nan, first_infinite, first_negative, first_non_integer;  ///< in row, then storage order
};

ValueSummary summarise_values(const sdk::CsrMatrix& X);

/// "cell 'AAAC-1' (row 0), gene 'KLF1' (column 3)": names when `cells` /
/// `genes` have one per row / column, row and column numbers always.
std::string describe_position(const ValueAt& at, const std::vector<std::string>& cells,
                              const std::vector<std::string>& genes);

/// Negative stored values: how many, and the first (in row order).
struct NegativeValues {
  std::int64_t count = 0;
  ValueAt first;
};
NegativeValues find_negative(const sdk::CsrMatrix& X);

/// The problem negative values are in expression read as log-normalised
/// (log1p of normalised counts is never negative), naming the first one's
/// cell and gene and saying what to give instead.
std::string negative_values_problem(const NegativeValues& negative, const std::vector<std::string>& cells,
                                    const std::vector<std::string>& genes);

/// Throws trellis::sdk::Error "<where>: <n> non-finite values (NaN or Inf);
/// the first is NaN at cell '...', gene '...'" when X holds NaN or Inf. X
/// must be structurally valid (CsrMatrix::validate_structure).
void check_finite(const sdk::CsrMatrix& X, const std::vector<std::string>& cells, const std::vector<std::string>& genes,
                  const std::string& where);

}  // namespace trellis::core::io
