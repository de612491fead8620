#pragma once
// Random numbers for the simulator: a small, fast generator with
// independent streams derived from (seed, stream id), and samplers written
// out here rather than taken from <random>, whose distributions differ
// between standard libraries. The same seed gives the same screen on every
// platform and for every thread count.

#include <cstdint>

namespace trellis::core::simulate {

/// One step of SplitMix64: a strong 64-bit mixer, used to derive seeds.
inline std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// xoshiro256** (Blackman and Vigna): 256-bit state, period 2^256 - 1.
class Rng {
 public:
  /// The stream `stream` of `seed`; different (seed, stream) pairs give
  /// statistically independent sequences.
  explicit Rng(std::uint64_t seed, std::uint64_t stream = 0);

  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  /// Uniform in [0, 1), 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  /// Uniform integer in [0, n); n > 0.
  std::uint64_t below(std::uint64_t n);
  /// Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  bool bernoulli(double p) { return uniform() < p; }
  double normal();
  /// Gamma with the given shape (> 0) and scale 1.
  double gamma(double shape);
  /// Poisson with mean lambda (>= 0).
  std::int64_t poisson(double lambda);
  /// Geometric number of failures before the first success, with the given
  /// mean (>= 0): P(k) = p (1 - p)^k, p = 1 / (1 + mean).
  std::int64_t geometric(double mean);

  /// Negative binomial with mean `mean` (>= 0) and size `size` (> 0), so
  /// variance mean + mean^2 / size. Most single-cell counts have a mean well
  /// below 1: those are decided by one uniform draw without a logarithm,
  /// because P(0) = (1 + mean/size)^-size >= 1 - mean.
  std::int64_t negative_binomial(double mean, double size) {
    if (mean < 1.0) {
      const double u = uniform();
      if (u < 1.0 - mean) return 0;
      return negative_binomial_inverse(mean, size, u);
    }
    return negative_binomial_large(mean, size);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  /// Inverse CDF at u, walking the probabilities up from P(0).
  std::int64_t negative_binomial_inverse(double mean, double size, double u);
  std::int64_t negative_binomial_large(double mean, double size);

  std::uint64_t s_[4];
};

}  // namespace trellis::core::simulate
