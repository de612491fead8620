#pragma once
/// @file flow_matching.hpp
/// Conditional flow matching on a straight path with constant noise.

#include <ATen/core/Tensor.h>

#include "trellis/sdk/export.hpp"

namespace trellis::sdk {

/// A point on the path between paired rows and the velocity to regress on.
struct TRELLIS_SDK_API FlowPathPoint {
  at::Tensor x;         ///< `[B, d]` x_t = (1 - t) x0 + t x1 + sigma * noise
  at::Tensor velocity;  ///< `[B, d]` u_t = x1 - x0
};

/// The constant-noise path (OTT's ConstantNoiseFlow, used by CellFlow) at
/// times `t` `[B]` in [0, 1] between `x0` and `x1` `[B, d]`, with `noise`
/// `[B, d]` (standard normal draws; ignored when `sigma` is 0). Throws
/// trellis::sdk::Error on shape mismatches.
TRELLIS_SDK_API FlowPathPoint constant_noise_path(const at::Tensor& x0, const at::Tensor& x1, const at::Tensor& t,
                                                  double sigma, const at::Tensor& noise);

/// The flow-matching loss: the mean squared difference of `predicted` and
/// `target` velocities over all elements (as CellFlow's).
TRELLIS_SDK_API at::Tensor flow_matching_loss(const at::Tensor& predicted, const at::Tensor& target);

}  // namespace trellis::sdk
