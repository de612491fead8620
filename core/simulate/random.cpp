#include "trellis/simulate/random.hpp"

#include <cmath>

namespace trellis::core::simulate {

namespace {
// Inversion walks about `mean` steps; above this the gamma-Poisson mixture is cheaper.
constexpr double inversion_limit = 10.0;
}  // namespace

Rng::Rng(std::uint64_t seed, std::uint64_t stream) {
  // Mixing the stream id before adding it keeps nearby (seed, stream)
  // pairs, e.g. consecutive cells, far apart.
  std::uint64_t mix = stream;
  std::uint64_t state = seed ^ splitmix64(mix);
  for (auto& word : s_) word = splitmix64(state);
  if ((s_[0] | s_[1] | s_[2] | s_[3]) == 0) s_[0] = 1;  // the one forbidden state
}

std::uint64_t Rng::below(std::uint64_t n) {
  // Lemire's multiply-shift with rejection: unbiased.
  std::uint64_t x = next();
  __uint128_t m = static_cast<__uint128_t>(x) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      x = next();
      m = static_cast<__uint128_t>(x) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

double Rng::normal() {
  // Marsaglia's polar method; the second value is dropped to keep the
  // generator state a pure function of the number of draws.
  for (;;) {
    const double x = 2.0 * uniform() - 1.0;
    const double y = 2.0 * uniform() - 1.0;
    const double r2 = x * x + y * y;
    if (r2 > 0.0 && r2 < 1.0) return x * std::sqrt(-2.0 * std::log(r2) / r2);
  }
}

double Rng::gamma(double shape) {
  if (shape < 1.0) {
    // Gamma(a) = Gamma(a + 1) * U^(1/a) (Marsaglia and Tsang, 2000).
    const double u = uniform();
    return gamma(shape + 1.0) * std::pow(u > 0.0 ? u : 0x1.0p-53, 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = normal();
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = uniform();
    if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
    if (u > 0.0 && std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
  }
}

std::int64_t Rng::poisson(double lambda) {
  if (lambda <= 0.0) return 0;
  if (lambda < 10.0) {
    // Inversion by sequential search.
    const double u = uniform();
    double p = std::exp(-lambda);
    double cdf = p;
    std::int64_t k = 0;
    while (u >= cdf && p > 0.0) {
      ++k;
      p *= lambda / static_cast<double>(k);
      cdf += p;
    }
    return k;
  }
  // PTRS, transformed rejection with squeeze (Hoermann, 1993).
  const double slam = std::sqrt(lambda);
  const double loglam = std::log(lambda);
  const double b = 0.931 + 2.53 * slam;
  const double a = -0.059 + 0.02483 * b;
  const double invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const double vr = 0.9277 - 3.6224 / (b - 2.0);
  for (;;) {
    const double u = uniform() - 0.5;
    const double v = uniform();
    const double us = 0.5 - std::fabs(u);
    const double k = std::floor((2.0 * a / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return static_cast<std::int64_t>(k);
    if (k < 0.0 || (us < 0.013 && v > us)) continue;
    if (v > 0.0 &&
        std::log(v) + std::log(invalpha) - std::log(a / (us * us) + b) <= -lambda + k * loglam - std::lgamma(k + 1.0))
      return static_cast<std::int64_t>(k);
  }
}

std::int64_t Rng::geometric(double mean) {
  if (mean <= 0.0) return 0;
  const double q = mean / (1.0 + mean);  // failure probability
  const double u = uniform();
  return static_cast<std::int64_t>(std::floor(std::log1p(-u) / std::log(q)));
}

std::int64_t Rng::negative_binomial_inverse(double mean, double size, double u) {
  // P(0) = (size / (size + mean))^size; P(k+1) = P(k) (k + size) / (k + 1) * mean / (size + mean).
  const double q = mean / (size + mean);
  double p = std::exp(-size * std::log1p(mean / size));
  double cdf = p;
  std::int64_t k = 0;
  while (u >= cdf) {
    p *= (static_cast<double>(k) + size) / static_cast<double>(k + 1) * q;
    ++k;
    cdf += p;
    if (p <= 0.0) break;  // rounding left cdf just below u: the tail is exhausted
  }
  return k;
}

std::int64_t Rng::negative_binomial_large(double mean, double size) {
  if (mean < inversion_limit) return negative_binomial_inverse(mean, size, uniform());
  return poisson(mean * gamma(size) / size);
}

}  // namespace trellis::core::simulate
