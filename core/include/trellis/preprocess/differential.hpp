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
/// significant at BH q < 0.05 (sdk::welch_p, stats.hpp): Welch's t with variances of
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
/// The first `k` genes of a ranking.
std::vector<std::int32_t> top_de(const std::vector<std::int32_t>& ranking, std::size_t k = 20);

/// GEARS's "non-dropout" top DE genes: the first `k` genes of `ranking` that
/// are non-zero in the condition's mean, or zero in both the condition's and
/// the control mean (true zeros), in rank order.
std::vector<std::int32_t> non_dropout_top_de(const std::vector<std::int32_t>& ranking,
                                             const std::vector<float>& condition_mean,
                                             const std::vector<float>& control_mean, std::size_t k = 20);

}  // namespace trellis::core::preprocess
