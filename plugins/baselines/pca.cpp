// Deterministic PCA scores via a thin SVD of the column-centred matrix.
#include "pca.hpp"

#include <ATen/ATen.h>

namespace trellis::baselines {

at::Tensor pca_scores(const at::Tensor& x, std::int64_t d) {
  const at::Tensor centred = x.to(at::kDouble) - x.to(at::kDouble).mean(0, /*keepdim=*/true);
  const auto [u, s, vh] = at::linalg_svd(centred, /*full_matrices=*/false);
  at::Tensor scores = u.narrow(1, 0, d) * s.narrow(0, 0, d).unsqueeze(0);
  // Sign convention: the largest-magnitude entry of each component is positive.
  const at::Tensor largest = scores.abs().argmax(0);                      // [d]
  const at::Tensor sign = scores.gather(0, largest.unsqueeze(0)).sign();  // [1, d]
  return (scores * (1.0 - 2.0 * (sign < 0).to(at::kDouble))).contiguous();
}

}  // namespace trellis::baselines
