#pragma once
// Seeded randomized truncated SVD (Halko, Martinsson & Tropp 2011), the
// reduction every knowledge encoder ends with: rows -> `dim` components.

#include <cstdint>
#include <vector>

#include <ATen/ATen.h>

namespace trellis::encoders {

/// Returns U * S, `[rows, dim]` float32, for a dense or sparse (COO) float
/// matrix `[rows, cols]`. Deterministic for a given seed and thread count;
/// each component's sign is fixed so its largest-magnitude entry is positive.
/// When `dim` >= min(rows, cols) the missing columns are zero.
at::Tensor truncated_svd(const at::Tensor& matrix, std::int64_t dim, std::uint64_t seed,
                         std::int64_t oversample = 10, std::int64_t power_iterations = 4);

/// A `[rows, cols]` sparse COO double matrix from entries sorted by row,
/// then column, without duplicates (so it is marked coalesced as is).
at::Tensor sorted_sparse_matrix(std::int64_t rows, std::int64_t cols, const std::vector<std::int64_t>& row_index,
                                const std::vector<std::int64_t>& col_index, const std::vector<double>& values);

}  // namespace trellis::encoders
