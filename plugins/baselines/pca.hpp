#pragma once
// A deterministic principal component analysis for the linear baseline.

#include <cstdint>

#include <ATen/core/Tensor.h>

namespace trellis::baselines {

/// Principal component scores of the rows of `x` [n, p] (rows are the
/// observations, columns the variables), as R's prcomp(x)$x: columns
/// centred, then the first `d` left singular vectors times their singular
/// values, [n, d], float64. Signs are fixed so that each component's entry of
/// largest magnitude is positive (the first one on ties), which makes the
/// result reproducible across LAPACK builds. Requires d <= min(n, p).
at::Tensor pca_scores(const at::Tensor& x, std::int64_t d);

}  // namespace trellis::baselines
