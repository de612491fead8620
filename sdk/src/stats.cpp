#include "trellis/sdk/stats.hpp"

#include <algorithm>
#include <cmath>

#include <boost/math/distributions/students_t.hpp>

namespace trellis::sdk {

double welch_t(double mean_g, double var_g, double n_g, double mean_c, double var_c, double n_c) {
  const double t = (mean_g - mean_c) / std::sqrt(var_g / n_g + var_c / n_c);
  return std::isnan(t) ? 0.0 : t;  // scanpy: NaN only for equal means without variance
}

double welch_p(double mean_g, double var_g, double n_g, double mean_c, double var_c, double n_c) {
  const double a = var_g / n_g, b = var_c / n_c;
  if (!(a + b > 0)) return mean_g == mean_c ? 1.0 : 0.0;
  const double t = (mean_g - mean_c) / std::sqrt(a + b);
  const double df = (a + b) * (a + b) / (a * a / (n_g - 1) + b * b / (n_c - 1));
  const boost::math::students_t dist(df);
  return 2.0 * boost::math::cdf(boost::math::complement(dist, std::fabs(t)));
}

std::int64_t benjamini_hochberg_count(std::vector<double> p_values, double fdr) {
  std::sort(p_values.begin(), p_values.end());
  const auto m = static_cast<double>(p_values.size());
  std::int64_t count = 0;
  for (std::size_t k = 0; k < p_values.size(); ++k)
    if (p_values[k] <= static_cast<double>(k + 1) * fdr / m) count = static_cast<std::int64_t>(k + 1);
  return count;
}

}  // namespace trellis::sdk
