// The rank metric: how many other test conditions' observed profiles are
// closer to a condition's prediction than its own observed profile.
#include <memory>

#include "metrics.hpp"

namespace trellis::metrics {

namespace {

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
    const std::vector<Profiles> profiles = read_all_profiles(inputs);
    const std::size_t n = profiles.size();
    std::vector<double> values(n, 0.0);
    if (n < 2) return values;
    for (std::size_t i = 0; i < n; ++i) {
      const double own = l2_distance(profiles[i].predicted, profiles[i].observed);
      std::size_t closer = 0;
      for (std::size_t j = 0; j < n; ++j)
        if (j != i && l2_distance(profiles[i].predicted, profiles[j].observed) < own) ++closer;
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
