// Reading metric inputs and the small numeric helpers the metrics share.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include <ATen/ATen.h>

#include "metrics.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/tensor_text.hpp"

namespace trellis::metrics {

std::vector<double> to_doubles(const at::Tensor& t) {
  const at::Tensor d = t.detach().to(at::kCPU).to(at::kDouble).contiguous();
  const double* p = d.data_ptr<double>();
  return std::vector<double>(p, p + d.numel());
}

using sdk::shape_of;

Profiles read_profiles(const sdk::MetricInput& input) {
  const std::pair<const char*, const at::Tensor*> parts[] = {
      {"predicted", &input.predicted}, {"observed", &input.observed}, {"control", &input.control}};
  const std::int64_t g = input.observed.defined() && input.observed.dim() == 1 ? input.observed.size(0) : -1;
  for (const auto& [name, t] : parts)
    if (!t->defined() || t->dim() != 1 || t->size(0) != g || g <= 0)
      throw sdk::Error(std::string("input '") + name + "' must be a vector [G] like " +
                       "'observed' (" + shape_of(input.observed) + "), got " + shape_of(*t));
  Profiles out{to_doubles(input.predicted), to_doubles(input.observed), to_doubles(input.control), {}};
  if (input.perturbed_mean.defined()) {
    if (input.perturbed_mean.dim() != 1 || input.perturbed_mean.size(0) != g)
      throw sdk::Error("input 'perturbed_mean' must be a vector [G] like 'observed' (" + shape_of(input.observed) +
                       "), got " + shape_of(input.perturbed_mean));
    out.perturbed_mean = to_doubles(input.perturbed_mean);
  }
  return out;
}

std::vector<Profiles> read_all_profiles(const std::vector<sdk::MetricInput>& inputs) {
  std::vector<Profiles> profiles;
  profiles.reserve(inputs.size());
  for (const auto& in : inputs) profiles.push_back(read_profiles(in));
  for (const auto& p : profiles)
    if (p.genes() != profiles.front().genes()) throw sdk::Error("every condition must have the same number of genes");
  return profiles;
}

double l2_distance(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(s);
}

void check_indices(const std::vector<std::int64_t>& indices, std::size_t genes, const char* what) {
  for (std::int64_t i : indices)
    if (i < 0 || static_cast<std::size_t>(i) >= genes)
      throw sdk::Error("gene index " + std::to_string(i) + " in " + what +
                       " is out of range (the profiles have " + std::to_string(genes) + " genes)");
}

std::vector<std::int64_t> first_k(const std::vector<std::int64_t>& ranking, std::size_t k) {
  return std::vector<std::int64_t>(ranking.begin(), ranking.begin() + static_cast<std::ptrdiff_t>(std::min(k, ranking.size())));
}

double prediction_pearson(const std::vector<double>& predicted, const std::vector<double>& observed) {
  const double r = pearson(predicted, observed);
  if (!std::isnan(r) || predicted.size() < 2 || predicted.size() != observed.size()) return r;
  const bool observed_varies =
      std::any_of(observed.begin(), observed.end(), [&](double v) { return v != observed.front(); });
  return observed_varies ? 0.0 : r;
}

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
  const std::size_t n = x.size();
  if (n < 2 || y.size() != n) return std::numeric_limits<double>::quiet_NaN();
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < n; ++i) {
    mx += x[i];
    my += y[i];
  }
  mx /= static_cast<double>(n);
  my /= static_cast<double>(n);
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double a = x[i] - mx, b = y[i] - my;
    sxy += a * b;
    sxx += a * a;
    syy += b * b;
  }
  if (sxx <= 0 || syy <= 0) return std::numeric_limits<double>::quiet_NaN();
  // Clamp: rounding can push |r| a hair above 1 for (anti)parallel vectors.
  return std::max(-1.0, std::min(1.0, sxy / std::sqrt(sxx * syy)));
}

}  // namespace trellis::metrics
