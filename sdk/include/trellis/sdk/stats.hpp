#pragma once
/// @file stats.hpp
/// Welch's t-test from summary statistics and Benjamini-Hochberg control:
/// the differential expression the host computes (GEARS's DE genes) and
/// plugins that call DE genes themselves (network/perturbation_effects).
/// Ranking areas for labelled scores (the supervised network protocol and
/// the plugins that select a model on validation pairs).

#include <cstdint>
#include <vector>

#include "trellis/sdk/export.hpp"

namespace trellis::sdk {

/// Welch's t for one gene from summary statistics (variances with ddof=1):
/// (mean_g - mean_c) / sqrt(var_g / n_g + var_c / n_c); a NaN (equal means,
/// no variance in either group) becomes 0, as in scanpy; a non-zero
/// difference with no variance stays +-inf.
TRELLIS_SDK_API double welch_t(double mean_g, double var_g, double n_g, double mean_c, double var_c, double n_c);

/// The two-sided p-value of Welch's t-test from the same statistics, with
/// the Welch-Satterthwaite degrees of freedom (scipy.stats.ttest_ind with
/// equal_var=False). Without variance in either group: 1 for equal means,
/// 0 otherwise.
TRELLIS_SDK_API double welch_p(double mean_g, double var_g, double n_g, double mean_c, double var_c, double n_c);

/// How many of `p_values` have a Benjamini-Hochberg adjusted value below
/// `fdr`: the largest k with p_(k) <= k * fdr / m (p sorted ascending).
/// The significant ones are the k smallest.
TRELLIS_SDK_API std::int64_t benjamini_hochberg_count(std::vector<double> p_values, double fdr = 0.05);

/// Area under the ROC curve of `scores` against binary `labels` (1 =
/// positive), tied scores forming one threshold: sklearn's roc_auc_score.
/// Throws trellis::sdk::Error when the sizes differ or a class is absent.
TRELLIS_SDK_API double roc_auc(const std::vector<double>& scores, const std::vector<int>& labels);

/// Average precision, sum over thresholds of (R_n - R_{n-1}) P_n, tied scores
/// forming one threshold: sklearn's average_precision_score (no
/// interpolation). Throws like roc_auc.
TRELLIS_SDK_API double average_precision(const std::vector<double>& scores, const std::vector<int>& labels);

}  // namespace trellis::sdk
