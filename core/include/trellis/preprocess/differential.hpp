#pragma once
// Differential expression of each condition against control (GEARS's DE genes).

#include <cstdint>
#include <string>
#include <vector>

#include "trellis/sdk/table.hpp"

namespace trellis::core::preprocess {

/// Per condition (indexed like the conditions; empty for control and for
/// conditions not tested).
struct DifferentialExpression {
  std::vector<std::vector<float>> scores;          ///< Welch t per gene, in gene order
  std::vector<std::vector<std::int32_t>> ranking;  ///< all genes by |score| descending, ties by gene index
  std::vector<std::int64_t> significant;           ///< genes with Benjamini-Hochberg q < 0.05 (0 when not tested)
  std::vector<std::int64_t> skipped;               ///< conditions with fewer than 2 cells (not tested)
  bool tested(std::int64_t condition) const {
    return condition >= 0 && condition < static_cast<std::int64_t>(ranking.size()) &&
           !ranking[static_cast<std::size_t>(condition)].empty();
  }
};

/// scanpy `rank_genes_groups(method="t-test", reference=control,
/// rankby_abs=True)` for every condition, plus the number of genes
/// significant at BH q < 0.05 (welch_p): Welch's t with variances of
/// ddof=1, score = (mean_g - mean_c) / sqrt(var_g / n_g + var_c / n_c); a
/// NaN score (equal means, no variance in either group) becomes 0, as in
/// scanpy; a non-zero difference with no variance stays +-inf. Conditions
/// with fewer than 2 cells are listed in `skipped` and not tested. Throws
/// trellis::sdk::Error when control has fewer than 2 cells.
DifferentialExpression differential_expression(const sdk::CsrMatrix& X,
                                               const std::vector<std::int64_t>& cell_condition,
                                               std::int64_t n_conditions, std::int64_t control);
/// The same with one control per condition: condition c is tested against
/// condition `control_of[c]` (its context's control); a condition that is
/// its own control is not tested.
DifferentialExpression differential_expression(const sdk::CsrMatrix& X,
                                               const std::vector<std::int64_t>& cell_condition,
                                               std::int64_t n_conditions, const std::vector<std::int64_t>& control_of);

/// Throws trellis::sdk::Error naming `step` unless `control_of` has one
/// control index per condition, each in [0, n_conditions).
void check_controls(const std::vector<std::int64_t>& control_of, std::int64_t n_conditions, const std::string& step);
/// Welch's t for one gene from summary statistics (variances with ddof=1).
double welch_t(double mean_g, double var_g, double n_g, double mean_c, double var_c, double n_c);

/// The two-sided p-value of Welch's t-test from the same statistics, with
/// the Welch-Satterthwaite degrees of freedom (scipy.stats.ttest_ind with
/// equal_var=False). Without variance in either group: 1 for equal means,
/// 0 otherwise.
double welch_p(double mean_g, double var_g, double n_g, double mean_c, double var_c, double n_c);

/// How many of `p_values` have a Benjamini-Hochberg adjusted value below
/// `fdr`: the largest k with p_(k) <= k * fdr / m (p sorted ascending).
std::int64_t benjamini_hochberg_count(std::vector<double> p_values, double fdr = 0.05);

/// The first `k` genes of a ranking.
std::vector<std::int32_t> top_de(const std::vector<std::int32_t>& ranking, std::size_t k = 20);

/// GEARS's "non-dropout" top DE genes: the first `k` genes of `ranking` that
/// are non-zero in the condition's mean, or zero in both the condition's and
/// the control mean (true zeros), in rank order.
std::vector<std::int32_t> non_dropout_top_de(const std::vector<std::int32_t>& ranking,
                                             const std::vector<float>& condition_mean,
                                             const std::vector<float>& control_mean, std::size_t k = 20);

}  // namespace trellis::core::preprocess
