#pragma once
// Highly variable genes, scanpy's default flavour ("seurat").

#include <cstdint>
#include <vector>

#include "trellis/sdk/table.hpp"

namespace trellis::core::preprocess {

/// Per-gene statistics behind the selection (one entry per column).
struct HvgStatistics {
  std::vector<double> means;             ///< log1p of the mean of expm1(X)
  std::vector<double> dispersions;       ///< log of var / mean of expm1(X); NaN for zero variance
  std::vector<double> dispersions_norm;  ///< z-score within the mean bin; NaN when undefined
  std::vector<int> mean_bin;             ///< bin of `means`, 0..n_bins-1
};

/// scanpy `highly_variable_genes(flavor="seurat", n_bins=20)` statistics on
/// log-normalised data: mean and variance (ddof=1) of expm1(X) per gene,
/// dispersion = var / mean (means of 0 become 1e-12; dispersions of 0 become
/// NaN), then log(dispersion) and log1p(mean); genes are cut into 20
/// equal-width bins of the log mean (pandas.cut: right-closed, the lowest
/// edge lowered by 0.1% of the range) and dispersions z-scored within each
/// bin (std with ddof=1). A bin whose std is undefined (one gene) gets mean 0
/// and std = its mean dispersion, so its gene scores 1, as in scanpy.
HvgStatistics hvg_statistics(const sdk::CsrMatrix& log_normalised, int n_bins = 20);

/// Column indices (sorted) of the `n_top` genes with the highest normalised
/// dispersion, plus the `forced` columns (e.g. measured perturbed genes),
/// which are always kept. As in scanpy, the cut-off is the n_top-th highest
/// normalised dispersion and every gene at or above it is kept (ties can add
/// genes); genes with an undefined (NaN) normalised dispersion are never
/// selected unless forced; n_top above the number of defined dispersions
/// keeps them all. Throws trellis::sdk::Error for n_top < 0 or a forced
/// index outside the matrix.
std::vector<std::int64_t> highly_variable_genes(const sdk::CsrMatrix& log_normalised, std::int64_t n_top,
                                                const std::vector<std::int64_t>& forced = {});

}  // namespace trellis::core::preprocess
