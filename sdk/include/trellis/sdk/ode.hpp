#pragma once
/// @file ode.hpp
/// Integrating dy/dt = f(t, y) for tensors y: fixed-step Euler and RK4, and
/// adaptive Dormand-Prince 5(4) (RK45), as used to sample flow-matching models.

#include <cstdint>
#include <functional>
#include <string>

#include <ATen/core/Tensor.h>

#include "trellis/sdk/export.hpp"

namespace trellis::sdk {

/// How ode_integrate() steps.
struct TRELLIS_SDK_API OdeSettings {
  std::string method = "rk45";   ///< "rk45" (adaptive Dormand-Prince), "rk4" or "euler"
  std::int64_t steps = 20;        ///< fixed-step methods: steps from t0 to t1
  double rtol = 1e-5;             ///< rk45: relative tolerance per element
  double atol = 1e-5;             ///< rk45: absolute tolerance per element
  std::int64_t max_steps = 10000; ///< rk45: accepted + rejected steps before giving up
  double first_step = 0.0;        ///< rk45: first step size; 0 picks one from f(t0, y0)
};

/// What ode_integrate() did.
struct TRELLIS_SDK_API OdeStats {
  std::int64_t evaluations = 0;   ///< calls of f
  std::int64_t accepted = 0;      ///< accepted steps
  std::int64_t rejected = 0;      ///< rk45: rejected steps
};

/// The derivative f(t, y), a tensor shaped as y.
using OdeFunction = std::function<at::Tensor(double t, const at::Tensor& y)>;

/// y(t1) from y(t0) = `y0` (t1 > t0). rk45 controls the error of every
/// element (max norm of err / (atol + rtol * max(|y|, |y_new|))), with the
/// usual safety factor 0.9 and step changes within [0.2, 10]. Throws
/// trellis::sdk::Error with the time reached and the step size when rk45
/// needs more than max_steps or its step underflows, when f returns a
/// non-finite value, and for an unknown method.
TRELLIS_SDK_API at::Tensor ode_integrate(const OdeFunction& f, const at::Tensor& y0, double t0, double t1,
                                         const OdeSettings& settings = {}, OdeStats* stats = nullptr);

/// Throws trellis::sdk::Error unless `method` is one ode_integrate() knows;
/// `key` names the option in the message.
TRELLIS_SDK_API void check_ode_method(const std::string& method, const std::string& key);

}  // namespace trellis::sdk
