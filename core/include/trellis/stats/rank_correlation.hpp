#pragma once
// Spearman's rank correlation, ties at their mean rank (scipy.stats.spearmanr).

#include <vector>

namespace trellis::core::stats {

/// Ranks (1-based), ties sharing their mean rank.
std::vector<double> mean_ranks(const std::vector<double>& values);
/// Pearson correlation of the ranks; NaN when fewer than 2 values or either
/// side is constant. Throws sdk::Error when the sizes differ.
double spearman(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace trellis::core::stats
