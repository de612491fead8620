#pragma once
// A gamma distribution fitted by maximum likelihood, and its CDF: PIDC's
// context step turns each gene's PUC scores into probabilities with it.

#include <optional>
#include <vector>

namespace trellis::network {

struct Gamma {
  double shape = 1, scale = 1;
  /// P(X <= x): the regularised lower incomplete gamma P(shape, x / scale).
  double cdf(double x) const;
};

/// The maximum-likelihood fit (Minka's fixed-point iteration on the shape,
/// scale = mean / shape, as Distributions.jl fits it). Empty when there is no
/// valid fit: a value <= 0 (the log-mean is -inf), or all values equal.
std::optional<Gamma> fit_gamma(const std::vector<double>& x);

double digamma(double x);
double trigamma(double x);

}  // namespace trellis::network
