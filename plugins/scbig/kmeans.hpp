#pragma once
// Seeded k-means (k-means++ seeding, Lloyd iterations, best of several
// initialisations by inertia), as scikit-learn's KMeans(n_init=...).
#include <cstdint>

#include <ATen/core/Tensor.h>

namespace trellis::scbig {

struct KMeansResult {
  at::Tensor labels;     ///< [n] int64
  at::Tensor centroids;  ///< [k, d]
  double inertia = 0.0;  ///< sum of squared distances to the assigned centroid
};

/// k-means of the rows of `x` [n, d] (float), `inits` seeded k-means++
/// starts of at most `iterations` Lloyd steps each; the lowest inertia wins.
KMeansResult kmeans(const at::Tensor& x, std::int64_t k, std::int64_t inits, std::int64_t iterations,
                    std::uint64_t seed);

}  // namespace trellis::scbig
