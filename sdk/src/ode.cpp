// ODE integration for tensors (see ode.hpp). Dormand-Prince 5(4) with the
// standard tableau (Dormand & Prince 1980; Hairer, Norsett & Wanner, Solving
// ODEs I, II.5), local extrapolation (the 5th-order solution is kept) and the
// elementary step-size controller.
#include "trellis/sdk/ode.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include <ATen/ATen.h>

#include "trellis/sdk/error.hpp"

namespace trellis::sdk {

namespace {

std::string number(double v) {
  std::ostringstream s;
  s.precision(4);
  s << v;
  return s.str();
}

at::Tensor checked(const OdeFunction& f, double t, const at::Tensor& y, OdeStats& stats) {
  at::Tensor d = f(t, y);
  ++stats.evaluations;
  if (!at::isfinite(d).all().item<bool>())
    throw Error("the ODE's derivative is not finite at t = " + number(t) + "; the model's velocity diverged");
  return d;
}

at::Tensor fixed_steps(const OdeFunction& f, at::Tensor y, double t0, double t1, const OdeSettings& s,
                       OdeStats& stats) {
  if (s.steps < 1) throw Error("ODE steps must be at least 1, got " + std::to_string(s.steps));
  const double h = (t1 - t0) / static_cast<double>(s.steps);
  for (std::int64_t i = 0; i < s.steps; ++i) {
    const double t = t0 + h * static_cast<double>(i);
    if (s.method == "euler") {
      y = y + h * checked(f, t, y, stats);
    } else {
      const at::Tensor k1 = checked(f, t, y, stats);
      const at::Tensor k2 = checked(f, t + h / 2, y + (h / 2) * k1, stats);
      const at::Tensor k3 = checked(f, t + h / 2, y + (h / 2) * k2, stats);
      const at::Tensor k4 = checked(f, t + h, y + h * k3, stats);
      y = y + (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
    }
    ++stats.accepted;
  }
  return y;
}

// Dormand-Prince coefficients.
constexpr double c2 = 1.0 / 5, c3 = 3.0 / 10, c4 = 4.0 / 5, c5 = 8.0 / 9;
constexpr double a21 = 1.0 / 5;
constexpr double a31 = 3.0 / 40, a32 = 9.0 / 40;
constexpr double a41 = 44.0 / 45, a42 = -56.0 / 15, a43 = 32.0 / 9;
constexpr double a51 = 19372.0 / 6561, a52 = -25360.0 / 2187, a53 = 64448.0 / 6561, a54 = -212.0 / 729;
constexpr double a61 = 9017.0 / 3168, a62 = -355.0 / 33, a63 = 46732.0 / 5247, a64 = 49.0 / 176,
                 a65 = -5103.0 / 18656;
constexpr double b1 = 35.0 / 384, b3 = 500.0 / 1113, b4 = 125.0 / 192, b5 = -2187.0 / 6784, b6 = 11.0 / 84;
// Error weights: 5th-order minus embedded 4th-order weights.
constexpr double e1 = 71.0 / 57600, e3 = -71.0 / 16695, e4 = 71.0 / 1920, e5 = -17253.0 / 339200, e6 = 22.0 / 525,
                 e7 = -1.0 / 40;

double error_norm(const at::Tensor& err, const at::Tensor& y, const at::Tensor& y_new, const OdeSettings& s) {
  const at::Tensor scale = s.atol + s.rtol * at::maximum(y.abs(), y_new.abs());
  return (err.abs() / scale).max().item<double>();
}

at::Tensor dormand_prince(const OdeFunction& f, at::Tensor y, double t0, double t1, const OdeSettings& s,
                          OdeStats& stats) {
  double t = t0;
  at::Tensor k1 = checked(f, t, y, stats);
  double h = s.first_step;
  if (h <= 0) {
    // Hairer's starting guess: 1% of the ratio of the solution's scale to its derivative's.
    const at::Tensor scale = s.atol + s.rtol * y.abs();
    const double d0 = (y / scale).abs().max().item<double>(), d1 = (k1 / scale).abs().max().item<double>();
    h = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1;
    h = std::min(h, t1 - t0);
  }
  const double min_step = 1e-12 * std::max(1.0, std::abs(t1 - t0));
  while (t < t1) {
    if (stats.accepted + stats.rejected >= s.max_steps)
      throw Error("the ODE did not converge within " + std::to_string(s.max_steps) + " steps: reached t = " +
                  number(t) + " of " + number(t1) + " with step size " + number(h) +
                  "; raise max_steps, loosen rtol/atol or use a fixed-step method");
    if (h < min_step)
      throw Error("the ODE's step size underflowed (" + number(h) + ") at t = " + number(t) +
                  "; the velocity field is too stiff for rtol = " + number(s.rtol) + ", atol = " + number(s.atol));
    h = std::min(h, t1 - t);
    const at::Tensor k2 = checked(f, t + c2 * h, y + h * (a21 * k1), stats);
    const at::Tensor k3 = checked(f, t + c3 * h, y + h * (a31 * k1 + a32 * k2), stats);
    const at::Tensor k4 = checked(f, t + c4 * h, y + h * (a41 * k1 + a42 * k2 + a43 * k3), stats);
    const at::Tensor k5 = checked(f, t + c5 * h, y + h * (a51 * k1 + a52 * k2 + a53 * k3 + a54 * k4), stats);
    const at::Tensor k6 = checked(f, t + h, y + h * (a61 * k1 + a62 * k2 + a63 * k3 + a64 * k4 + a65 * k5), stats);
    const at::Tensor y_new = y + h * (b1 * k1 + b3 * k3 + b4 * k4 + b5 * k5 + b6 * k6);
    const at::Tensor k7 = checked(f, t + h, y_new, stats);
    const at::Tensor err = h * (e1 * k1 + e3 * k3 + e4 * k4 + e5 * k5 + e6 * k6 + e7 * k7);
    const double norm = error_norm(err, y, y_new, s);
    const double factor = norm == 0 ? 10.0 : std::clamp(0.9 * std::pow(norm, -0.2), 0.2, 10.0);
    if (norm <= 1.0) {
      t += h;
      y = y_new;
      k1 = k7;  // first-same-as-last
      ++stats.accepted;
    } else {
      ++stats.rejected;
    }
    h *= factor;
  }
  return y;
}

}  // namespace

void check_ode_method(const std::string& method, const std::string& key) {
  if (method != "rk45" && method != "rk4" && method != "euler")
    throw Error(key + " = \"" + method + "\" is not an ODE method; use \"rk45\", \"rk4\" or \"euler\"");
}

at::Tensor ode_integrate(const OdeFunction& f, const at::Tensor& y0, double t0, double t1, const OdeSettings& s,
                         OdeStats* stats) {
  check_ode_method(s.method, "ODE method");
  if (!(t1 > t0)) throw Error("ode_integrate: t1 (" + number(t1) + ") must be after t0 (" + number(t0) + ")");
  OdeStats local;
  OdeStats& st = stats ? *stats : local;
  st = OdeStats{};
  if (s.method == "rk45") return dormand_prince(f, y0, t0, t1, s, st);
  return fixed_steps(f, y0, t0, t1, s, st);
}

}  // namespace trellis::sdk
