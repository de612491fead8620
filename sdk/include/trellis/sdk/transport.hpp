#pragma once
/// @file transport.hpp
/// Entropic optimal transport: log-domain Sinkhorn, rounding a plan to
/// capacities, and minibatch pairing by sampling from a plan.

#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>

#include "trellis/sdk/export.hpp"

namespace trellis::sdk {

/// Settings of sinkhorn().
struct TRELLIS_SDK_API SinkhornSettings {
  double epsilon = 0.1;            ///< entropic regularisation, in units of the cost
  std::int64_t max_iterations = 1000;
  /// Stop when the plan's row and column sums differ from the marginals by
  /// at most this (L1 over both).
  double tolerance = 1e-9;
};

/// A transport plan and how the iterations ended.
struct TRELLIS_SDK_API SinkhornResult {
  at::Tensor plan;                 ///< `[n, m]`, rows sum to `a`, columns to `b`
  std::int64_t iterations = 0;
  double marginal_error = 0.0;     ///< L1 error of both marginals at the end
  bool converged = false;          ///< marginal_error <= tolerance
};

/// The entropic OT plan between marginals `a` `[n]` and `b` `[m]` (non-negative,
/// equal sums) for cost `[n, m]`: P = diag(e^f) K diag(e^g) with K = exp(-C/eps),
/// with the potentials f, g updated in the log domain (logsumexp) so that
/// small eps does not underflow. Computed in double precision and returned
/// in the cost's dtype. Differentiable through the iterations when `cost`
/// requires grad. Throws trellis::sdk::Error on shape mismatches, negative
/// marginals, unequal sums or eps <= 0.
TRELLIS_SDK_API SinkhornResult sinkhorn(const at::Tensor& cost, const at::Tensor& a, const at::Tensor& b,
                                        const SinkhornSettings& settings = {});

/// Rounds a plan `[n, K]` to a hard assignment of each row to one column such
/// that column k receives at most `capacities[k]` rows: pairs are taken
/// greedily by decreasing plan value, skipping full columns and assigned
/// rows. Returns `[n]` int64 columns. Throws trellis::sdk::Error naming the
/// totals when the capacities sum to fewer than n.
TRELLIS_SDK_API at::Tensor round_to_capacities(const at::Tensor& plan, const std::vector<std::int64_t>& capacities);

/// Minibatch OT pairing (as CellFlow's, conditioned on the target): the
/// entropic plan between uniform marginals on `source` `[n, d]` and `target`
/// `[m, d]` rows under squared Euclidean cost divided by its mean, then for
/// each target row j a source row drawn from column j of the plan, with the
/// seeded `seed`. Returns `[m]` int64 source rows. Conditioning on the target
/// keeps every target row (and what belongs to it, e.g. its condition) in place.
TRELLIS_SDK_API at::Tensor sample_ot_sources(const at::Tensor& source, const at::Tensor& target, double epsilon,
                                             std::uint64_t seed);

}  // namespace trellis::sdk
