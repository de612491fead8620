// k-means++ seeding (Arthur & Vassilvitskii 2007) and Lloyd iterations.
#include "kmeans.hpp"

#include <limits>
#include <random>

#include <ATen/ATen.h>

namespace trellis::scbig {

namespace {

at::Tensor squared_distances(const at::Tensor& x, const at::Tensor& c) {
  return (x.pow(2).sum(1, true) - 2 * x.matmul(c.t()) + c.pow(2).sum(1).unsqueeze(0)).clamp_min(0);
}

at::Tensor plus_plus_seeds(const at::Tensor& x, std::int64_t k, std::mt19937_64& rng) {
  const std::int64_t n = x.size(0);
  std::vector<std::int64_t> chosen{std::uniform_int_distribution<std::int64_t>(0, n - 1)(rng)};
  at::Tensor nearest = squared_distances(x, x.index({chosen[0]}).unsqueeze(0)).squeeze(1).to(at::kDouble);
  while (static_cast<std::int64_t>(chosen.size()) < k) {
    // Next seed drawn with probability proportional to the squared distance
    // to the nearest seed so far (uniform when every point is a seed's duplicate).
    const at::Tensor cdf = nearest.cumsum(0);
    const double total = cdf[-1].item<double>();
    std::int64_t next;
    if (total > 0) {
      const double u = std::uniform_real_distribution<double>(0.0, total)(rng);
      next = std::min<std::int64_t>(at::searchsorted(cdf, at::tensor({u}, at::kDouble)).item<std::int64_t>(), n - 1);
    } else {
      next = std::uniform_int_distribution<std::int64_t>(0, n - 1)(rng);
    }
    chosen.push_back(next);
    nearest = at::minimum(nearest, squared_distances(x, x.index({next}).unsqueeze(0)).squeeze(1).to(at::kDouble));
  }
  return x.index_select(0, at::tensor(chosen, at::kLong)).clone();
}

KMeansResult lloyd(const at::Tensor& x, at::Tensor centroids, std::int64_t iterations) {
  const std::int64_t k = centroids.size(0);
  KMeansResult r;
  for (std::int64_t it = 0; it < iterations; ++it) {
    const at::Tensor labels = squared_distances(x, centroids).argmin(1);
    if (r.labels.defined() && labels.equal(r.labels)) break;
    r.labels = labels;
    const at::Tensor sums = at::zeros_like(centroids).index_add_(0, labels, x);
    const at::Tensor counts = at::bincount(labels, {}, k).to(x.scalar_type()).unsqueeze(1);
    // An empty cluster keeps its centroid.
    centroids = at::where(counts > 0, sums / counts.clamp_min(1), centroids);
  }
  const at::Tensor distances = squared_distances(x, centroids);
  const auto [nearest, labels] = distances.min(1);
  r.labels = labels;
  r.centroids = centroids;
  r.inertia = nearest.sum().item<double>();
  return r;
}

}  // namespace

KMeansResult kmeans(const at::Tensor& x, std::int64_t k, std::int64_t inits, std::int64_t iterations,
                    std::uint64_t seed) {
  at::NoGradGuard no_grad;
  const at::Tensor data = x.to(at::kFloat).contiguous();
  std::mt19937_64 rng(seed);
  KMeansResult best;
  best.inertia = std::numeric_limits<double>::infinity();
  for (std::int64_t i = 0; i < inits; ++i) {
    KMeansResult r = lloyd(data, plus_plus_seeds(data, k, rng), iterations);
    if (r.inertia < best.inertia) best = std::move(r);
  }
  return best;
}

}  // namespace trellis::scbig
