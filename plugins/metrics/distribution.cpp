// Distributional metrics for predictors that sample cells: the energy
// distance and the RBF-kernel MMD between predicted and observed cells.
// Undefined (NaN, left out of averages) when the predictor samples no cells.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>

#include <ATen/ATen.h>

#include "metrics.hpp"
#include "trellis/sdk/error.hpp"

namespace trellis::metrics {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

/// splitmix64: a fixed, portable generator, so subsamples are the same on
/// every platform and standard library.
std::uint64_t next(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// At most `max_cells` rows as a double matrix: all rows when there are few
/// enough, else the first `max_cells` of a Fisher-Yates permutation with
/// seed 0.
at::Tensor subsample(const at::Tensor& cells, std::int64_t max_cells) {
  at::Tensor x = cells.detach().to(at::kCPU).to(at::kDouble);
  const std::int64_t n = x.size(0);
  if (n <= max_cells) return x.contiguous();
  std::vector<std::int64_t> perm(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) perm[static_cast<std::size_t>(i)] = i;
  std::uint64_t state = 0;
  for (std::int64_t i = n - 1; i > 0; --i) {
    const auto j = static_cast<std::int64_t>(next(state) % static_cast<std::uint64_t>(i + 1));
    std::swap(perm[static_cast<std::size_t>(i)], perm[static_cast<std::size_t>(j)]);
  }
  perm.resize(static_cast<std::size_t>(max_cells));
  return x.index_select(0, at::tensor(perm, at::kLong)).contiguous();
}

/// Squared Euclidean distances [n, m] between the rows of a and b (double).
at::Tensor squared_distances(const at::Tensor& a, const at::Tensor& b) {
  const at::Tensor a2 = (a * a).sum(1, true);
  const at::Tensor b2 = (b * b).sum(1, true).t();
  return (a2 + b2 - 2.0 * a.mm(b.t())).clamp_min(0.0);
}

/// Within-set squared distances with an exact zero diagonal.
at::Tensor within(const at::Tensor& a) {
  at::Tensor d = squared_distances(a, a);
  d.fill_diagonal_(0.0);
  return d;
}

/// The predicted and observed cells (subsampled), or undefined tensors when
/// the metric does not apply.
struct CellSets {
  at::Tensor x, y;
};

CellSets cell_sets(const sdk::MetricInput& input, std::int64_t max_cells) {
  if (!input.predicted_cells.defined() || input.predicted_cells.numel() == 0) return {};
  if (!input.observed_cells.defined() || input.observed_cells.numel() == 0) return {};
  const at::Tensor& p = input.predicted_cells;
  const at::Tensor& o = input.observed_cells;
  if (p.dim() != 2 || o.dim() != 2 || p.size(1) != o.size(1))
    throw sdk::Error("predicted cells [" + std::to_string(p.size(0)) + ", " +
                     (p.dim() == 2 ? std::to_string(p.size(1)) : "?") + "] and observed cells must be [n, G] " +
                     "with the same G (observed have " + (o.dim() == 2 ? std::to_string(o.size(1)) : "?") +
                     " genes)");
  return {subsample(p, max_cells), subsample(o, max_cells)};
}

/// Energy distance 2 E||X-Y|| - E||X-X'|| - E||Y-Y'|| with Euclidean
/// distances: the cross term averages all n*m pairs, the within-set terms
/// the n(n-1) pairs i != j. (scPerturb's E-distance uses squared distances
/// in PCA space; this is the classical energy distance on expression.)
class EDistance : public sdk::Metric {
 public:
  explicit EDistance(std::int64_t max_cells) : max_cells_(max_cells) {}
  sdk::Direction direction() const override { return sdk::Direction::lower_is_better; }
  double compute(const sdk::MetricInput& input) const override {
    const CellSets s = cell_sets(input, max_cells_);
    if (!s.x.defined()) return nan;
    const double n = static_cast<double>(s.x.size(0)), m = static_cast<double>(s.y.size(0));
    if (n < 2 || m < 2) return nan;  // within-set means need two cells
    const double xy = squared_distances(s.x, s.y).sqrt().mean().item<double>();
    const double xx = within(s.x).sqrt().sum().item<double>() / (n * (n - 1));
    const double yy = within(s.y).sqrt().sum().item<double>() / (m * (m - 1));
    return 2 * xy - xx - yy;
  }

 private:
  std::int64_t max_cells_;
};

/// Biased (V-statistic) MMD^2 with k(a, b) = exp(-gamma ||a - b||^2):
/// mean K(X,X) + mean K(Y,Y) - 2 mean K(X,Y), every mean over all pairs
/// including i = j. gamma <= 0 selects the median heuristic: sigma = the
/// median (numpy convention: mean of the two middle values for an even
/// count) of the Euclidean distances over all unordered pairs i < j of the
/// pooled subsampled cells, gamma = 1 / (2 sigma^2); gamma = 1 when sigma is 0.
class Mmd : public sdk::Metric {
 public:
  Mmd(std::int64_t max_cells, double gamma) : max_cells_(max_cells), gamma_(gamma) {}
  sdk::Direction direction() const override { return sdk::Direction::lower_is_better; }
  double compute(const sdk::MetricInput& input) const override {
    const CellSets s = cell_sets(input, max_cells_);
    if (!s.x.defined()) return nan;
    const at::Tensor dxx = within(s.x), dyy = within(s.y), dxy = squared_distances(s.x, s.y);
    const double gamma = gamma_ > 0 ? gamma_ : median_gamma(s);
    auto k = [gamma](const at::Tensor& d) { return (d * -gamma).exp().mean().item<double>(); };
    return k(dxx) + k(dyy) - 2 * k(dxy);
  }

 private:
  static double median_gamma(const CellSets& s) {
    const at::Tensor z = at::cat({s.x, s.y}, 0);
    const at::Tensor d = within(z).sqrt();
    const std::int64_t n = z.size(0);
    if (n < 2) return 1.0;
    const at::Tensor iu = at::triu_indices(n, n, 1, at::kLong);
    std::vector<double> v = to_doubles(d.index({iu[0], iu[1]}));
    const std::size_t mid = v.size() / 2;
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
    double median = v[mid];
    if (v.size() % 2 == 0) median = (median + *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid))) / 2;
    return median > 0 ? 1.0 / (2 * median * median) : 1.0;
  }
  std::int64_t max_cells_;
  double gamma_;
};

}  // namespace

void register_distribution(sdk::Registrar& r) {
  r.add<sdk::Metric>("e_distance",
               "Energy distance between predicted and observed cells (Euclidean); only for predictors that "
               "sample cells (lower is better)",
               sdk::OptionSchema{}
                   .add("max_cells", std::int64_t{500}, "cells used per side at most (a fixed-seed random subset)")
                   .min(2),
               [](const sdk::Options& o) { return std::make_shared<EDistance>(o.get_int("max_cells")); });
  r.add<sdk::Metric>("mmd",
               "Squared MMD with an RBF kernel between predicted and observed cells (biased estimate); only for "
               "predictors that sample cells (lower is better)",
               sdk::OptionSchema{}
                   .add("max_cells", std::int64_t{500}, "cells used per side at most (a fixed-seed random subset)")
                   .min(2)
                   .add("gamma", 0.0,
                        "kernel width in exp(-gamma |a-b|^2); 0 = median heuristic 1/(2 median^2) over pooled "
                        "pairwise distances")
                   .min(0),
               [](const sdk::Options& o) { return std::make_shared<Mmd>(o.get_int("max_cells"), o.get_double("gamma")); });
}

}  // namespace trellis::metrics
