#pragma once
// Paired comparisons of two models over the same test conditions: the
// Wilcoxon signed-rank test and a bootstrap confidence interval of the mean
// difference. Used by `trellis bench` to say whether a model's advantage
// over a baseline is more than noise.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace trellis::core::stats {

struct WilcoxonResult {
  double statistic = 0;  ///< min(W+, W-): the smaller sum of signed ranks
  double p_value = 1;    ///< two-sided
  std::size_t n = 0;     ///< non-zero differences (zeros are dropped)
  bool exact = false;    ///< exact null distribution, else normal approximation
};

/// Two-sided Wilcoxon signed-rank test of `differences` against 0, as
/// scipy.stats.wilcoxon(zero_method="wilcox", correction=False): zero
/// differences are dropped; with at most 50 differences and no ties the
/// p-value comes from the exact null distribution, otherwise from the normal
/// approximation with the tie correction. No differences at all: p = 1.
WilcoxonResult wilcoxon_signed_rank(const std::vector<double>& differences);

struct Interval {
  double low = 0;
  double high = 0;
};

/// Percentile bootstrap confidence interval (`level`, e.g. 0.95) of the mean
/// of `differences`: `resamples` resamples with replacement drawn with a
/// generator seeded by `seed`, so the interval is reproducible.
Interval bootstrap_mean_interval(const std::vector<double>& differences, double level = 0.95,
                                 std::size_t resamples = 10000, std::uint64_t seed = 0);

}  // namespace trellis::core::stats
