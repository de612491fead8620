#pragma once
// Library-size normalisation and checks on the kind of values a matrix holds.

#include <string>
#include <vector>

#include "trellis/sdk/table.hpp"

namespace trellis::core::preprocess {

/// True when every stored value is a non-negative integer, i.e. the matrix
/// looks like raw counts rather than log-normalised expression. All values
/// are checked (one pass, O(nnz)); an empty matrix counts as counts.
bool looks_like_counts(const sdk::CsrMatrix& X);

/// For data declared as counts: throws trellis::sdk::Error on the first
/// negative value (lowest cell, then lowest gene), naming the cell, the gene
/// and the value ("negative counts where counts are expected: cell X gene Y
/// value V"). Names are used when given (one per row / column), indices
/// otherwise. Non-integer values are accepted (ambient-corrected counts).
void check_counts(const sdk::CsrMatrix& X, const std::vector<std::string>& cell_names = {},
                  const std::vector<std::string>& gene_names = {});

/// In place: scales each cell to `target_sum` total, then log1p (scanpy's
/// normalize_total followed by log1p). Cells with a zero total stay zero.
/// Throws trellis::sdk::Error when target_sum is not positive.
void normalise_log1p(sdk::CsrMatrix& X, double target_sum = 1e4);

}  // namespace trellis::core::preprocess
