#include "trellis/stats/paired_tests.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace trellis::core::stats {

namespace {

/// P(W+ <= w) under the null for n ranks 1..n: counts of the 2^n sign
/// patterns by their sum of positive ranks, by dynamic programming.
double exact_lower_tail(std::size_t n, double w) {
  const std::size_t max_sum = n * (n + 1) / 2;
  std::vector<double> count(max_sum + 1, 0.0);
  count[0] = 1.0;
  for (std::size_t rank = 1; rank <= n; ++rank)
    for (std::size_t s = max_sum; s >= rank; --s) count[s] += count[s - rank];
  double below = 0;
  for (std::size_t s = 0; s <= max_sum && static_cast<double>(s) <= w + 1e-9; ++s) below += count[s];
  return below / std::ldexp(1.0, static_cast<int>(n));
}

}  // namespace

WilcoxonResult wilcoxon_signed_rank(const std::vector<double>& differences) {
  std::vector<double> d;
  for (const double x : differences)
    if (x != 0) d.push_back(x);
  WilcoxonResult result;
  result.n = d.size();
  if (d.empty()) return result;
  // Ranks of |d|, ties sharing their average rank.
  std::vector<std::size_t> order(d.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return std::fabs(d[a]) < std::fabs(d[b]); });
  std::vector<double> rank(d.size());
  double tie_term = 0;  // sum of t^3 - t over tie groups
  bool ties = false;
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && std::fabs(d[order[j + 1]]) == std::fabs(d[order[i]])) ++j;
    const double shared = (static_cast<double>(i + 1) + static_cast<double>(j + 1)) / 2;
    for (std::size_t k = i; k <= j; ++k) rank[order[k]] = shared;
    const auto t = static_cast<double>(j - i + 1);
    tie_term += t * t * t - t;
    ties = ties || j > i;
    i = j + 1;
  }
  double w_plus = 0, w_minus = 0;
  for (std::size_t i = 0; i < d.size(); ++i) (d[i] > 0 ? w_plus : w_minus) += rank[i];
  result.statistic = std::min(w_plus, w_minus);
  const auto n = static_cast<double>(d.size());
  const bool zeros = d.size() != differences.size();
  if (d.size() <= 50 && !ties && !zeros) {
    result.exact = true;
    result.p_value = std::min(1.0, 2 * exact_lower_tail(d.size(), result.statistic));
  } else {
    const double mean = n * (n + 1) / 4;
    const double sd = std::sqrt(n * (n + 1) * (2 * n + 1) / 24 - tie_term / 48);
    result.p_value = sd > 0 ? std::erfc(std::fabs(result.statistic - mean) / sd / std::sqrt(2.0)) : 1.0;
  }
  return result;
}

Interval bootstrap_mean_interval(const std::vector<double>& differences, double level, std::size_t resamples,
                                 std::uint64_t seed) {
  if (differences.empty()) return {std::nan(""), std::nan("")};
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::size_t> pick(0, differences.size() - 1);
  std::vector<double> means(resamples);
  for (auto& m : means) {
    double sum = 0;
    for (std::size_t i = 0; i < differences.size(); ++i) sum += differences[pick(rng)];
    m = sum / static_cast<double>(differences.size());
  }
  std::sort(means.begin(), means.end());
  // The (1 - level) / 2 and (1 + level) / 2 quantiles, linearly interpolated (numpy's default).
  const auto quantile = [&](double q) {
    const double position = q * static_cast<double>(means.size() - 1);
    const auto below = static_cast<std::size_t>(std::floor(position));
    const std::size_t above = std::min(below + 1, means.size() - 1);
    return means[below] + (position - static_cast<double>(below)) * (means[above] - means[below]);
  };
  return {quantile((1 - level) / 2), quantile((1 + level) / 2)};
}

}  // namespace trellis::core::stats
