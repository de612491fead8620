// Entropic OT in the log domain (see transport.hpp).
#include "trellis/sdk/transport.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <string>

#include <ATen/ATen.h>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/tensor_text.hpp"

namespace trellis::sdk {

namespace {

void check_inputs(const at::Tensor& cost, const at::Tensor& a, const at::Tensor& b, const SinkhornSettings& s) {
  if (cost.dim() != 2 || a.dim() != 1 || b.dim() != 1 || a.size(0) != cost.size(0) || b.size(0) != cost.size(1))
    throw Error("sinkhorn: cost " + shape_of(cost) + " does not match the marginals " + shape_of(a) + " and " + shape_of(b));
  if (!(s.epsilon > 0)) throw Error("sinkhorn: epsilon must be positive, got " + std::to_string(s.epsilon));
  if (a.lt(0).any().item<bool>() || b.lt(0).any().item<bool>())
    throw Error("sinkhorn: marginals must be non-negative");
  const double sa = a.sum().item<double>(), sb = b.sum().item<double>();
  if (std::abs(sa - sb) > 1e-6 * std::max(1.0, std::abs(sa)))
    throw Error("sinkhorn: the marginals' sums differ (" + std::to_string(sa) + " vs " + std::to_string(sb) +
                "); transport needs equal masses");
}

}  // namespace

SinkhornResult sinkhorn(const at::Tensor& cost, const at::Tensor& a, const at::Tensor& b,
                        const SinkhornSettings& settings) {
  check_inputs(cost, a, b, settings);
  const at::Tensor c = cost.to(at::kDouble);
  const at::Tensor la = a.to(at::kDouble).log(), lb = b.to(at::kDouble).log();
  const double eps = settings.epsilon;
  // Potentials f, g in cost units; log P = (f_i + g_j - C_ij) / eps.
  at::Tensor f = at::zeros_like(la), g = at::zeros_like(lb);
  SinkhornResult out;
  for (out.iterations = 0; out.iterations < settings.max_iterations;) {
    f = eps * (la - at::logsumexp((g.unsqueeze(0) - c) / eps, 1));
    g = eps * (lb - at::logsumexp((f.unsqueeze(1) - c) / eps, 0));
    ++out.iterations;
    // After the g update columns are exact; the row error measures convergence.
    // Checked every 10 iterations (a check costs as much as an update).
    if (out.iterations % 10 == 0 || out.iterations == settings.max_iterations) {
      const at::Tensor rows = at::logsumexp((f.unsqueeze(1) + g.unsqueeze(0) - c) / eps, 1).exp();
      out.marginal_error = (rows - a.to(at::kDouble)).abs().sum().item<double>();
      if (out.marginal_error <= settings.tolerance) break;
    }
  }
  const at::Tensor log_plan = (f.unsqueeze(1) + g.unsqueeze(0) - c) / eps;
  const at::Tensor plan = log_plan.exp();
  out.marginal_error = (plan.sum(1) - a.to(at::kDouble)).abs().sum().item<double>() +
                       (plan.sum(0) - b.to(at::kDouble)).abs().sum().item<double>();
  out.converged = out.marginal_error <= settings.tolerance;
  out.plan = plan.to(cost.scalar_type());
  return out;
}

at::Tensor round_to_capacities(const at::Tensor& plan, const std::vector<std::int64_t>& capacities) {
  if (plan.dim() != 2 || plan.size(1) != static_cast<std::int64_t>(capacities.size()))
    throw Error("round_to_capacities: plan " + shape_of(plan) + " needs one capacity per column, got " +
                std::to_string(capacities.size()));
  const std::int64_t n = plan.size(0), k = plan.size(1);
  const std::int64_t total = std::accumulate(capacities.begin(), capacities.end(), std::int64_t{0});
  if (total < n)
    throw Error("the capacities cannot be met: they hold " + std::to_string(total) + " rows in all, but " +
                std::to_string(n) + " must be assigned; raise the capacities or the number of columns");
  const at::Tensor p = plan.detach().to(at::kDouble).contiguous();
  const double* v = p.data_ptr<double>();
  std::vector<std::int64_t> order(static_cast<std::size_t>(n * k));
  std::iota(order.begin(), order.end(), 0);
  // Ties broken by index so the rounding is deterministic.
  std::stable_sort(order.begin(), order.end(), [&](std::int64_t x, std::int64_t y) { return v[x] > v[y]; });
  std::vector<std::int64_t> left = capacities, label(static_cast<std::size_t>(n), -1);
  std::int64_t assigned = 0;
  for (std::int64_t idx : order) {
    const std::int64_t row = idx / k, col = idx % k;
    if (label[row] >= 0 || left[col] <= 0) continue;
    label[row] = col;
    --left[col];
    if (++assigned == n) break;
  }
  return at::tensor(label, at::kLong);
}

at::Tensor sample_ot_sources(const at::Tensor& source, const at::Tensor& target, double epsilon, std::uint64_t seed) {
  if (source.dim() != 2 || target.dim() != 2 || source.size(1) != target.size(1) || source.size(0) == 0)
    throw Error("sample_ot_sources: source " + shape_of(source) + " and target " + shape_of(target) +
                " need rows and the same number of columns");
  at::NoGradGuard no_grad;
  const std::int64_t n = source.size(0), m = target.size(0);
  at::Tensor cost = at::cdist(source.to(at::kDouble), target.to(at::kDouble)).pow(2);
  const double mean = cost.mean().item<double>();
  if (mean > 0) cost = cost / mean;
  SinkhornSettings s;
  s.epsilon = epsilon;
  s.tolerance = 1e-6;
  const at::Tensor plan =
      sinkhorn(cost, at::full({n}, 1.0 / n, at::kDouble), at::full({m}, 1.0 / m, at::kDouble), s).plan;
  // Inverse-CDF draws down each column, with our own seeded engine
  // (reproducible across torch versions).
  const at::Tensor cdf = plan.t().cumsum(1).contiguous();  // [m, n]
  const double* c = cdf.data_ptr<double>();
  std::mt19937_64 rng(seed);
  std::vector<std::int64_t> chosen(static_cast<std::size_t>(m));
  for (std::int64_t j = 0; j < m; ++j) {
    const double* row = c + j * n;
    const double u = std::uniform_real_distribution<double>(0.0, row[n - 1])(rng);
    chosen[static_cast<std::size_t>(j)] = std::min<std::int64_t>(std::upper_bound(row, row + n, u) - row, n - 1);
  }
  return at::tensor(chosen, at::kLong);
}

}  // namespace trellis::sdk
