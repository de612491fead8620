// The rank metric: how many other test conditions' observed profiles are
// closer to a condition's prediction than its own observed profile.
#include <cmath>
#include <memory>

#include "metrics.hpp"
#include "trellis/sdk/error.hpp"

namespace trellis::metrics {

namespace {

double l2(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(s);
}

/// For condition i: d_ij = L2(predicted_i, observed_j) over all genes; the
/// value is #{j != i : d_ij < d_ii} / (n - 1), so 0 when the prediction is
/// closest to its own observation and 1 when it is farthest. Ties count in
/// the condition's favour. Distances on raw pseudobulk equal those on deltas
/// because every condition shares the control.
class Rank : public sdk::Metric {
 public:
  sdk::Direction direction() const override { return sdk::Direction::lower_is_better; }
  double compute(const sdk::MetricInput& input) const override {
    read_profiles(input);
    return 0.0;  // alone, a condition has nothing to be confused with
  }
  std::vector<double> compute_all(const std::vector<sdk::MetricInput>& inputs) const override {
    std::vector<Profiles> profiles;
    profiles.reserve(inputs.size());
    for (const auto& in : inputs) profiles.push_back(read_profiles(in));
    for (const auto& p : profiles)
      if (p.genes() != profiles.front().genes())
        throw sdk::Error("every condition must have the same number of genes");
    const std::size_t n = profiles.size();
    std::vector<double> values(n, 0.0);
    if (n < 2) return values;
    for (std::size_t i = 0; i < n; ++i) {
      const double own = l2(profiles[i].predicted, profiles[i].observed);
      std::size_t closer = 0;
      for (std::size_t j = 0; j < n; ++j)
        if (j != i && l2(profiles[i].predicted, profiles[j].observed) < own) ++closer;
      values[i] = static_cast<double>(closer) / static_cast<double>(n - 1);
    }
    return values;
  }
};

}  // namespace

void register_rank(sdk::Registrar& r) {
  r.add<sdk::Metric>("rank",
               "Fraction of other test conditions whose observed pseudobulk is closer (L2) to this condition's "
               "prediction than its own observation; 0 = best (lower is better)",
               sdk::OptionSchema{}, [](const sdk::Options&) { return std::make_shared<Rank>(); });
}

}  // namespace trellis::metrics
