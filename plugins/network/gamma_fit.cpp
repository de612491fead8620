#include "gamma_fit.hpp"

#include <cmath>
#include <limits>

namespace trellis::network {

double digamma(double x) {
  double result = 0;
  for (; x < 6; x += 1) result -= 1 / x;
  const double f = 1 / (x * x);
  return result + std::log(x) - 0.5 / x -
         f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f * (1.0 / 132)))));
}

double trigamma(double x) {
  double result = 0;
  for (; x < 6; x += 1) result += 1 / (x * x);
  const double f = 1 / (x * x);
  return result + 1 / x + f / 2 +
         f / x * (1.0 / 6 - f * (1.0 / 30 - f * (1.0 / 42 - f * (1.0 / 30 - f * (5.0 / 66)))));
}

namespace {

// Regularised lower incomplete gamma P(a, x): the series below a + 1, else
// 1 - the continued fraction of Q (modified Lentz).
double gamma_p(double a, double x) {
  if (x <= 0) return 0;
  const double log_prefix = a * std::log(x) - x - std::lgamma(a);
  if (x < a + 1) {
    double term = 1 / a, sum = term;
    for (int n = 1; n < 10000; ++n) {
      term *= x / (a + n);
      sum += term;
      if (std::abs(term) < std::abs(sum) * 1e-16) break;
    }
    return sum * std::exp(log_prefix);
  }
  constexpr double tiny = 1e-300;
  double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
  for (int i = 1; i < 10000; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::abs(c) < tiny) c = tiny;
    d = 1 / d;
    const double delta = d * c;
    h *= delta;
    if (std::abs(delta - 1) < 1e-16) break;
  }
  return 1 - std::exp(log_prefix) * h;
}

}  // namespace

double Gamma::cdf(double x) const { return gamma_p(shape, x / scale); }

std::optional<Gamma> fit_gamma(const std::vector<double>& x) {
  if (x.empty()) return std::nullopt;
  double sum = 0, sum_log = 0;
  for (const double v : x) {
    sum += v;
    sum_log += std::log(v);  // -inf for 0, NaN for negatives: no fit
  }
  const double n = static_cast<double>(x.size());
  const double mean = sum / n, log_mean = std::log(mean), mean_log = sum_log / n;
  double a = (log_mean - mean_log) / 2;
  for (int t = 0; t < 1000; ++t) {
    const double previous = a;
    const double ia = 1 / a;
    a = 1 / (ia + (mean_log - log_mean + std::log(a) - digamma(a)) / (a * a * (ia - trigamma(a))));
    if (!(std::abs(a - previous) > 1e-16)) break;
  }
  const double scale = mean / a;
  if (!(a > 0) || !(scale > 0) || !std::isfinite(a) || !std::isfinite(scale)) return std::nullopt;
  return Gamma{a, scale};
}

}  // namespace trellis::network
