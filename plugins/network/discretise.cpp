#include "discretise.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace trellis::network {

Binned bayesian_blocks(const std::vector<double>& x) {
  std::vector<double> u = x;
  std::sort(u.begin(), u.end());
  std::vector<double> counts;  // of each distinct value
  std::vector<double> distinct;
  for (const double v : u) {
    if (distinct.empty() || v != distinct.back()) {
      distinct.push_back(v);
      counts.push_back(0);
    }
    counts.back() += 1;
  }
  Binned out;
  out.bin.assign(x.size(), 0);
  const std::size_t n = distinct.size();
  if (n < 2) return out;
  // Candidate edges: the extremes and the midpoints between distinct values.
  std::vector<double> edges(n + 1);
  edges[0] = distinct[0];
  for (std::size_t i = 1; i < n; ++i) edges[i] = (distinct[i - 1] + distinct[i]) / 2;
  edges[n] = distinct[n - 1];
  std::vector<double> count(n, 0.0), best(n, 0.0), fit(n);
  std::vector<std::size_t> last(n, 0);
  for (std::size_t k = 1; k <= n; ++k) {
    // Blocks i..k-1 (edges i to k): counts and widths; the prior on the
    // number of blocks uses k, as Discretizers.jl does.
    const double prior = 4 - std::log(73.53 * 0.05 * std::pow(static_cast<double>(k), -0.478));
    for (std::size_t i = 0; i < k; ++i) {
      count[i] += counts[k - 1];
      fit[i] = count[i] * std::log(count[i] / (edges[k] - edges[i])) - prior + (i > 0 ? best[i - 1] : 0.0);
    }
    const auto arg = static_cast<std::size_t>(std::max_element(fit.begin(), fit.begin() + static_cast<std::ptrdiff_t>(k)) -
                                              fit.begin());  // first maximum
    last[k - 1] = arg;
    best[k - 1] = fit[arg];
  }
  std::vector<double> cut;  // change points, from the last edge back
  for (std::size_t j = n;;) {
    cut.push_back(edges[j]);
    if (j == 0) break;
    j = last[j - 1];
  }
  std::reverse(cut.begin(), cut.end());
  out.bins = static_cast<std::int32_t>(cut.size() - 1);
  for (std::size_t i = 0; i < x.size(); ++i) {
    // edges[a] <= v < edges[a + 1]; the maximum goes in the last bin.
    const auto a = std::upper_bound(cut.begin(), cut.end(), x[i]) - cut.begin() - 1;
    out.bin[i] = static_cast<std::int32_t>(std::clamp<std::ptrdiff_t>(a, 0, out.bins - 1));
  }
  return out;
}

Binned equal_frequency(const std::vector<double>& x, std::int32_t bins) {
  const std::size_t n = x.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return x[a] < x[b]; });
  Binned out;
  out.bin.assign(n, 0);
  std::int32_t top = 0;
  for (std::size_t r = 0; r < n; ++r) {
    const std::size_t i = order[r];
    // Equal values take the bin of the first of them.
    const bool same = r > 0 && x[order[r - 1]] == x[i];
    out.bin[i] = same ? out.bin[order[r - 1]] : static_cast<std::int32_t>(r * static_cast<std::size_t>(bins) / n);
    top = std::max(top, out.bin[i]);
  }
  out.bins = top + 1;
  return out;
}

}  // namespace trellis::network
