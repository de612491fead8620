// SDK numerics used by flow-matching models: log-domain Sinkhorn against a
// plain Sinkhorn-Knopp written here, rounding to capacities by hand, OT
// pairing of shuffled points, ODE solvers against analytic solutions, and the
// flow-matching path and loss by hand.
#include <cmath>

#include <ATen/ATen.h>
#include "catch.hpp"

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/flow_matching.hpp"
#include "trellis/sdk/ode.hpp"
#include "trellis/sdk/transport.hpp"

using namespace trellis;
using Catch::Contains;

namespace {

// Sinkhorn-Knopp on the kernel itself (no log domain): u = a / K v, v = b / K^T u.
at::Tensor plain_sinkhorn(const at::Tensor& cost, const at::Tensor& a, const at::Tensor& b, double eps, int iters) {
  const at::Tensor k = (-cost / eps).exp();
  at::Tensor u = at::ones_like(a), v = at::ones_like(b);
  for (int i = 0; i < iters; ++i) {
    u = a / k.matmul(v);
    v = b / k.t().matmul(u);
  }
  return u.unsqueeze(1) * k * v.unsqueeze(0);
}

}  // namespace

TEST_CASE("sinkhorn meets the capacities and agrees with plain Sinkhorn-Knopp", "[transport]") {
  // 6 genes, 3 modules with capacities 3, 2, 1.
  const at::Tensor cost = at::tensor({0.1, 0.9, 0.5, 0.2, 0.8, 0.4, 0.7, 0.1, 0.3, 0.9, 0.2, 0.6, 0.4, 0.4, 0.1,
                                      0.3, 0.6, 0.8}, at::kDouble).view({6, 3});
  const at::Tensor a = at::full({6}, 1.0 / 6, at::kDouble);
  const at::Tensor b = at::tensor({3.0, 2.0, 1.0}, at::kDouble) / 6;
  sdk::SinkhornSettings s;
  s.epsilon = 0.1;
  const sdk::SinkhornResult r = sdk::sinkhorn(cost, a, b, s);
  CHECK(r.converged);
  CHECK((r.plan.sum(1) - a).abs().max().item<double>() < 1e-6);
  CHECK((r.plan.sum(0) - b).abs().max().item<double>() < 1e-6);
  CHECK((r.plan - plain_sinkhorn(cost, a, b, 0.1, 5000)).abs().max().item<double>() < 1e-9);
  // Zero cost: the plan is the product of the marginals.
  const at::Tensor flat = sdk::sinkhorn(at::zeros({6, 3}, at::kDouble), a, b, s).plan;
  CHECK((flat - a.unsqueeze(1) * b.unsqueeze(0)).abs().max().item<double>() < 1e-12);
}

TEST_CASE("sinkhorn in the log domain does not underflow at small epsilon", "[transport]") {
  // exp(-C / eps) is 0 in double for C / eps > 745: plain Sinkhorn divides by zero here.
  const at::Tensor cost = at::tensor({1.0, 2.0, 2.0, 1.0}, at::kDouble).view({2, 2}) * 10;
  const at::Tensor a = at::tensor({0.5, 0.5}, at::kDouble);
  sdk::SinkhornSettings s;
  s.epsilon = 0.01;
  const sdk::SinkhornResult r = sdk::sinkhorn(cost, a, a, s);
  REQUIRE(at::isfinite(r.plan).all().item<bool>());
  CHECK(r.plan[0][0].item<double>() == Approx(0.5).margin(1e-9));
  CHECK(r.plan[0][1].item<double>() == Approx(0.0).margin(1e-9));
  CHECK_THROWS_WITH(sdk::sinkhorn(cost, a, at::tensor({0.5, 0.6}, at::kDouble), s), Contains("sums differ"));
}

TEST_CASE("rounding a plan fills columns greedily up to their capacities", "[transport]") {
  // Row 0 and 1 both prefer column 0 (capacity 1): row 1's 0.45 beats row 0's 0.4, so row 0 goes to column 1.
  const at::Tensor plan = at::tensor({0.40, 0.10, 0.45, 0.05, 0.05, 0.30}, at::kDouble).view({3, 2});
  const at::Tensor labels = sdk::round_to_capacities(plan, {1, 2});
  CHECK(labels.equal(at::tensor({1, 0, 1}, at::kLong)));
  CHECK_THROWS_WITH(sdk::round_to_capacities(plan, {1, 1}),
                    Contains("capacities cannot be met: they hold 2 rows in all, but 3 must be assigned"));
}

TEST_CASE("OT pairing matches shuffled points to themselves and is seeded", "[transport]") {
  const at::Tensor source = at::arange(8, at::kDouble).unsqueeze(1) * 10;  // far apart
  const at::Tensor order = at::tensor({3, 7, 0, 5, 1, 6, 2, 4}, at::kLong);
  const at::Tensor target = source.index_select(0, order);
  // Source row order[j] sits at target row j.
  CHECK(sdk::sample_ot_sources(source, target, 0.001, 7).equal(order));
  // With a large epsilon the plan is nearly uniform: draws differ by seed and repeat for a seed.
  const at::Tensor a = sdk::sample_ot_sources(source, target, 100.0, 7);
  CHECK(a.equal(sdk::sample_ot_sources(source, target, 100.0, 7)));
  CHECK(!a.equal(sdk::sample_ot_sources(source, target, 100.0, 8)));
}

TEST_CASE("ODE solvers integrate linear systems to their analytic solutions", "[ode]") {
  // y' = A y with A a rotation plus decay: y(t) = e^{-t/2} (cos t, -sin t) from (1, 0).
  const sdk::OdeFunction f = [](double, const at::Tensor& y) {
    return at::stack({-0.5 * y[0] + y[1], -y[0] - 0.5 * y[1]});
  };
  const at::Tensor y0 = at::tensor({1.0, 0.0}, at::kDouble);
  const double t1 = 2.0;
  const at::Tensor exact = at::tensor({std::exp(-1.0) * std::cos(2.0), -std::exp(-1.0) * std::sin(2.0)}, at::kDouble);
  sdk::OdeStats stats;
  const at::Tensor rk45 = sdk::ode_integrate(f, y0, 0.0, t1, {}, &stats);
  CHECK((rk45 - exact).abs().max().item<double>() < 1e-5);
  CHECK(stats.accepted > 1);
  sdk::OdeSettings fixed;
  fixed.method = "rk4";
  fixed.steps = 50;
  CHECK((sdk::ode_integrate(f, y0, 0.0, t1, fixed) - exact).abs().max().item<double>() < 1e-7);
  // Euler is first order: halving the step halves the error.
  fixed.method = "euler";
  fixed.steps = 200;
  const double e200 = (sdk::ode_integrate(f, y0, 0.0, t1, fixed) - exact).abs().max().item<double>();
  fixed.steps = 400;
  const double e400 = (sdk::ode_integrate(f, y0, 0.0, t1, fixed) - exact).abs().max().item<double>();
  CHECK(e200 / e400 == Approx(2.0).margin(0.1));
}

TEST_CASE("an ODE that does not converge names the time reached and the step size", "[ode]") {
  const sdk::OdeFunction stiff = [](double, const at::Tensor& y) { return -1e4 * y; };
  sdk::OdeSettings s;
  s.max_steps = 5;
  CHECK_THROWS_WITH(sdk::ode_integrate(stiff, at::ones({3}, at::kDouble), 0.0, 1.0, s),
                    Contains("did not converge within 5 steps: reached t = ") && Contains("with step size"));
  const sdk::OdeFunction bad = [](double, const at::Tensor& y) { return y / 0.0; };
  CHECK_THROWS_WITH(sdk::ode_integrate(bad, at::ones({2}, at::kDouble), 0.0, 1.0, s), Contains("not finite at t = 0"));
  CHECK_THROWS_WITH(sdk::check_ode_method("dopri", "[model.predictor] solver"), Contains("use \"rk45\", \"rk4\""));
}

TEST_CASE("flow matching on a straight path: exact velocity has zero loss", "[flow-matching]") {
  const at::Tensor x0 = at::tensor({0.0, 0.0, 1.0, 2.0}, at::kDouble).view({2, 2});
  const at::Tensor x1 = at::tensor({1.0, 3.0, 1.0, 0.0}, at::kDouble).view({2, 2});
  const at::Tensor t = at::tensor({0.25, 0.5}, at::kDouble);
  const sdk::FlowPathPoint p = sdk::constant_noise_path(x0, x1, t, 0.0, {});
  // By hand: (0.25, 0.75) and (1, 1); velocities (1, 3) and (0, -2).
  CHECK(p.x.equal(at::tensor({0.25, 0.75, 1.0, 1.0}, at::kDouble).view({2, 2})));
  CHECK(sdk::flow_matching_loss(x1 - x0, p.velocity).item<double>() == 0.0);
  // Following the exact velocity from x0 for time 1 lands on x1.
  const at::Tensor v = x1 - x0;
  const at::Tensor end = sdk::ode_integrate([&](double, const at::Tensor&) { return v; }, x0, 0.0, 1.0);
  CHECK((end - x1).abs().max().item<double>() < 1e-12);
  // Noise shifts the point, not the target velocity; a wrong velocity costs its mean square.
  const sdk::FlowPathPoint noisy = sdk::constant_noise_path(x0, x1, t, 0.5, at::ones({2, 2}, at::kDouble));
  CHECK(noisy.x.equal(p.x + 0.5));
  CHECK(sdk::flow_matching_loss(noisy.velocity + 2, p.velocity).item<double>() == 4.0);
}
