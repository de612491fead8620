#pragma once
// Differentiable similarities of chosen node pairs without a gathered
// [E, D] copy: the kept entries of U U^T for a structure learner's edges.

#include <ATen/core/Tensor.h>

namespace trellis::grape {

/// `out[e] = <u[target[e]], u[source[e]]>`, `[E]`, differentiable w.r.t. `u`
/// `[N, D]`. Autograd's gather-multiply-sum would keep two `[E, D]` copies
/// for the backward pass (5,000 nodes x 50 partners x 1,728 dims = 3.5 GB);
/// this keeps only `u` and the indices and loops over the edges directly
/// (on the CPU, one thread per ATen intra-op thread).
at::Tensor pair_dot(const at::Tensor& u, const at::Tensor& target, const at::Tensor& source);

}  // namespace trellis::grape
