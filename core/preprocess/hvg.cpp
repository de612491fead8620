#include "trellis/preprocess/hvg.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "trellis/sdk/error.hpp"

namespace trellis::core::preprocess {
namespace {

// Row blocks are a fixed number, not one per thread, and are merged in
// block order, so the sums do not depend on the thread count.
constexpr std::int64_t kBlocks = 64;

std::int64_t block_begin(std::int64_t block, std::int64_t rows) { return rows * block / kBlocks; }

template <class Add>
void accumulate_blocks(const sdk::CsrMatrix& X, std::vector<double>& partial, Add add) {
  const auto G = static_cast<std::size_t>(X.cols);
  std::fill(partial.begin(), partial.end(), 0.0);
#pragma omp parallel for schedule(static)
  for (std::int64_t b = 0; b < kBlocks; ++b) {
    const std::size_t offset = static_cast<std::size_t>(b) * G;
    for (std::int64_t r = block_begin(b, X.rows); r < block_begin(b + 1, X.rows); ++r) {
      for (auto k = static_cast<std::size_t>(X.indptr[r]); k < static_cast<std::size_t>(X.indptr[r + 1]); ++k) {
        add(offset, static_cast<std::size_t>(X.indices[k]), std::expm1(static_cast<double>(X.values[k])));
      }
    }
  }
}

// Per-gene mean and variance (ddof=1) of expm1(X) in one pass over the data:
// var = (sum x^2 - n mean^2) / (n - 1), the formula scanpy uses, in double.
void expm1_mean_var(const sdk::CsrMatrix& X, std::vector<double>& mean, std::vector<double>& var) {
  const auto G = static_cast<std::size_t>(X.cols);
  std::vector<double> partial(static_cast<std::size_t>(kBlocks) * G * 2, 0.0);
  accumulate_blocks(X, partial, [&](std::size_t offset, std::size_t g, double x) {
    double* slot = partial.data() + 2 * (offset + g);
    slot[0] += x;
    slot[1] += x * x;
  });
  const double n = static_cast<double>(X.rows);
  mean.assign(G, 0.0);
  var.assign(G, 0.0);
#pragma omp parallel for schedule(static)
  for (std::int64_t g = 0; g < static_cast<std::int64_t>(G); ++g) {
    double s = 0.0, sq = 0.0;
    for (std::int64_t b = 0; b < kBlocks; ++b) {
      const double* slot = partial.data() + 2 * (static_cast<std::size_t>(b) * G + static_cast<std::size_t>(g));
      s += slot[0];
      sq += slot[1];
    }
    const auto gi = static_cast<std::size_t>(g);
    mean[gi] = n > 0 ? s / n : 0.0;
    var[gi] = n < 2 ? std::numeric_limits<double>::quiet_NaN() : std::max(0.0, (sq - n * mean[gi] * mean[gi]) / (n - 1.0));
  }
}

// pandas.cut(x, bins=n): equal-width, right-closed bins; the lowest edge is
// lowered by 0.1% of the range so the minimum falls into the first bin.
std::vector<int> cut(const std::vector<double>& x, int n_bins) {
  std::vector<int> bin(x.size(), 0);
  if (x.empty()) return bin;
  double mn = *std::min_element(x.begin(), x.end());
  double mx = *std::max_element(x.begin(), x.end());
  std::vector<double> edges(static_cast<std::size_t>(n_bins) + 1);
  auto linspace = [&](double start, double stop) {
    const double step = (stop - start) / n_bins;
    for (int i = 0; i < n_bins; ++i) edges[static_cast<std::size_t>(i)] = i * step + start;
    edges[static_cast<std::size_t>(n_bins)] = stop;
  };
  if (mn == mx) {
    const double adj = mn != 0.0 ? 0.001 * std::fabs(mn) : 0.001;
    linspace(mn - adj, mx + adj);
  } else {
    linspace(mn, mx);
    edges[0] -= (mx - mn) * 0.001;
  }
  for (std::size_t i = 0; i < x.size(); ++i) {
    const auto it = std::lower_bound(edges.begin(), edges.end(), x[i]);
    bin[i] = std::clamp(static_cast<int>(it - edges.begin()) - 1, 0, n_bins - 1);
  }
  return bin;
}

}  // namespace

HvgStatistics hvg_statistics(const sdk::CsrMatrix& X, int n_bins) {
  HvgStatistics s;
  std::vector<double> mean, var;
  expm1_mean_var(X, mean, var);
  const std::size_t G = mean.size();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  s.means.resize(G);
  s.dispersions.resize(G);
  for (std::size_t g = 0; g < G; ++g) {
    const double m = mean[g] == 0.0 ? 1e-12 : mean[g];
    const double d = var[g] / m;
    s.dispersions[g] = d == 0.0 ? nan : std::log(d);
    s.means[g] = std::log1p(m);
  }
  s.mean_bin = cut(s.means, n_bins);
  std::vector<double> sum(static_cast<std::size_t>(n_bins), 0.0), sq(static_cast<std::size_t>(n_bins), 0.0);
  std::vector<std::int64_t> count(static_cast<std::size_t>(n_bins), 0);
  for (std::size_t g = 0; g < G; ++g) {
    if (std::isnan(s.dispersions[g])) continue;
    const auto b = static_cast<std::size_t>(s.mean_bin[g]);
    sum[b] += s.dispersions[g];
    ++count[b];
  }
  std::vector<double> bin_mean(static_cast<std::size_t>(n_bins)), bin_std(static_cast<std::size_t>(n_bins));
  for (std::size_t b = 0; b < bin_mean.size(); ++b) bin_mean[b] = count[b] > 0 ? sum[b] / count[b] : nan;
  for (std::size_t g = 0; g < G; ++g) {
    if (std::isnan(s.dispersions[g])) continue;
    const auto b = static_cast<std::size_t>(s.mean_bin[g]);
    const double d = s.dispersions[g] - bin_mean[b];
    sq[b] += d * d;
  }
  for (std::size_t b = 0; b < bin_std.size(); ++b) {
    if (count[b] >= 2) {
      bin_std[b] = std::sqrt(sq[b] / static_cast<double>(count[b] - 1));
    } else {
      // scanpy: a bin without a defined std is "normalised" by its mean.
      bin_std[b] = bin_mean[b];
      bin_mean[b] = 0.0;
    }
  }
  s.dispersions_norm.resize(G);
  for (std::size_t g = 0; g < G; ++g) {
    const auto b = static_cast<std::size_t>(s.mean_bin[g]);
    s.dispersions_norm[g] = (s.dispersions[g] - bin_mean[b]) / bin_std[b];
  }
  return s;
}

std::vector<std::int64_t> highly_variable_genes(const sdk::CsrMatrix& X, std::int64_t n_top,
                                                const std::vector<std::int64_t>& forced) {
  if (n_top < 0) throw sdk::Error("number of highly variable genes must not be negative, got " + std::to_string(n_top));
  for (const std::int64_t f : forced) {
    if (f < 0 || f >= X.cols) {
      throw sdk::Error("gene index " + std::to_string(f) + " to keep among the highly variable genes is outside [0, " +
                       std::to_string(X.cols) + ")");
    }
  }
  const HvgStatistics s = hvg_statistics(X);
  std::vector<double> defined;
  for (const double d : s.dispersions_norm) {
    if (!std::isnan(d)) defined.push_back(d);
  }
  std::vector<std::uint8_t> keep(static_cast<std::size_t>(X.cols), 0);
  const auto n = static_cast<std::size_t>(std::min<std::int64_t>(n_top, static_cast<std::int64_t>(defined.size())));
  if (n > 0) {
    std::nth_element(defined.begin(), defined.begin() + static_cast<std::ptrdiff_t>(n - 1), defined.end(),
                     std::greater<double>());
    const double cutoff = defined[n - 1];
    for (std::size_t g = 0; g < keep.size(); ++g) {
      if (!std::isnan(s.dispersions_norm[g]) && s.dispersions_norm[g] >= cutoff) keep[g] = 1;
    }
  }
  for (const std::int64_t f : forced) keep[static_cast<std::size_t>(f)] = 1;
  std::vector<std::int64_t> out;
  for (std::size_t g = 0; g < keep.size(); ++g) {
    if (keep[g]) out.push_back(static_cast<std::int64_t>(g));
  }
  return out;
}

}  // namespace trellis::core::preprocess
