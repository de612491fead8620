// Metrics that see past systematic variation, the effect every perturbation
// shares (Systema, Vinas Torne et al. 2025), and the Virtual Cell
// Challenge's cell-eval scores. pearson_delta_pert and mae are profile
// metrics (pointwise.cpp); these compare a condition with the others or
// with its DE genes.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>
#include <set>

#include "metrics.hpp"

namespace trellis::metrics {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

/// A higher-is-better metric that compares each condition with the other
/// test conditions: undefined for a condition alone.
class AmongConditions : public sdk::Metric {
 public:
  sdk::Direction direction() const override { return sdk::Direction::higher_is_better; }
  double compute(const sdk::MetricInput& input) const override {
    read_profiles(input);
    return nan;
  }
  std::vector<double> compute_all(const std::vector<sdk::MetricInput>& inputs) const override {
    const std::vector<Profiles> profiles = read_all_profiles(inputs);
    std::vector<double> values(profiles.size(), nan);
    if (profiles.size() < 2) return values;
    for (std::size_t i = 0; i < profiles.size(); ++i) values[i] = value_of(i, profiles, inputs);
    return values;
  }

 protected:
  /// The value of condition `i` among `profiles` (at least two).
  virtual double value_of(std::size_t i, const std::vector<Profiles>& profiles,
                          const std::vector<sdk::MetricInput>& inputs) const = 0;
};

/// centroid_accuracy: for condition i, the fraction of the other conditions
/// j whose observed pseudobulk is strictly farther (L2, all genes) from
/// i's prediction than i's own observed pseudobulk. 1 = the prediction
/// picks out its own condition; a prediction equally close to several
/// counts those ties against it. (rank counts ties in its favour.)
class CentroidAccuracy : public AmongConditions {
 protected:
  double value_of(std::size_t i, const std::vector<Profiles>& profiles,
                  const std::vector<sdk::MetricInput>&) const override {
    const double own = l2_distance(profiles[i].predicted, profiles[i].observed);
    std::size_t farther = 0;
    for (std::size_t j = 0; j < profiles.size(); ++j)
      if (j != i && l2_distance(profiles[i].predicted, profiles[j].observed) > own) ++farther;
    return static_cast<double>(farther) / static_cast<double>(profiles.size() - 1);
  }
};

/// discrimination_l1 (cell-eval's PDS with the L1 distance): for condition
/// i, the L1 distance over all genes except i's own target genes from i's
/// prediction to every condition's observed pseudobulk (the control cancels,
/// so these are distances between effects). With r_i = the number of other
/// conditions strictly closer than i's own, the value is 1 - r_i / N over
/// the N conditions: 1 when i's own is closest.
class DiscriminationL1 : public AmongConditions {
 protected:
  double value_of(std::size_t i, const std::vector<Profiles>& profiles,
                  const std::vector<sdk::MetricInput>& inputs) const override {
    const std::size_t g = profiles.front().genes();
    check_indices(inputs[i].target_columns, g, "the target columns");
    std::vector<char> keep(g, 1);
    for (const std::int64_t t : inputs[i].target_columns) keep[static_cast<std::size_t>(t)] = 0;
    const auto l1 = [&](const std::vector<double>& observed) {
      double s = 0;
      for (std::size_t k = 0; k < g; ++k)
        if (keep[k]) s += std::fabs(profiles[i].predicted[k] - observed[k]);
      return s;
    };
    const double own = l1(profiles[i].observed);
    std::size_t closer = 0;
    for (std::size_t j = 0; j < profiles.size(); ++j)
      if (j != i && l1(profiles[j].observed) < own) ++closer;
    return 1.0 - static_cast<double>(closer) / static_cast<double>(profiles.size());
  }
};

/// de_overlap (cell-eval's DES on pseudobulk): with k = the number of genes
/// DE against control at BH q < 0.05 in the observed cells, the fraction of
/// the k most significant observed genes that are among the k genes with
/// the largest predicted |change from control| (ties by gene index). NaN
/// when the condition has no DE gene or was not tested.
class DeOverlap : public sdk::Metric {
 public:
  sdk::Direction direction() const override { return sdk::Direction::higher_is_better; }
  double compute(const sdk::MetricInput& input) const override {
    const Profiles profiles = read_profiles(input);
    if (input.de_significant <= 0) return nan;
    check_indices(input.de_ranking, profiles.genes());
    const std::size_t k = std::min(static_cast<std::size_t>(input.de_significant), input.de_ranking.size());
    std::vector<std::int64_t> order(profiles.genes());
    std::iota(order.begin(), order.end(), 0);
    const auto change = [&](std::int64_t gene) {
      const auto i = static_cast<std::size_t>(gene);
      return std::fabs(profiles.predicted[i] - profiles.control[i]);
    };
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                      [&](std::int64_t a, std::int64_t b) {
                        const double ca = change(a), cb = change(b);
                        return ca != cb ? ca > cb : a < b;
                      });
    const std::set<std::int64_t> predicted(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k));
    std::size_t shared = 0;
    for (std::size_t r = 0; r < k; ++r) shared += predicted.count(input.de_ranking[r]);
    return static_cast<double>(shared) / static_cast<double>(k);
  }
};

/// spread_ratio: for condition i, the mean L2 distance from its prediction
/// to the other conditions' predictions over the mean distance from its
/// observation to theirs. 1: the predictions differ as much as the
/// observations do; 0: one profile for every condition (collapse). Not a
/// score to maximise (noise raises it): a diagnostic, marked higher is
/// better because collapse is the failure it catches.
class SpreadRatio : public AmongConditions {
 protected:
  double value_of(std::size_t i, const std::vector<Profiles>& profiles,
                  const std::vector<sdk::MetricInput>&) const override {
    double predicted = 0, observed = 0;
    for (std::size_t j = 0; j < profiles.size(); ++j) {
      if (j == i) continue;
      predicted += l2_distance(profiles[i].predicted, profiles[j].predicted);
      observed += l2_distance(profiles[i].observed, profiles[j].observed);
    }
    return observed > 0 ? predicted / observed : nan;
  }
};

}  // namespace

void register_systematic(sdk::Registrar& r) {
  r.add<sdk::Metric>("spread_ratio",
                     "Collapse diagnostic: mean L2 distance of a condition's prediction to the other predictions over "
                     "that of its observation to the other observations (1 = as varied as the data, 0 = one profile)",
                     sdk::OptionSchema{}, [](const sdk::Options&) { return std::make_shared<SpreadRatio>(); });
  r.add<sdk::Metric>("centroid_accuracy",
                     "Systema: fraction of other test conditions whose observed pseudobulk is farther (L2) from this "
                     "condition's prediction than its own (higher is better)",
                     sdk::OptionSchema{}, [](const sdk::Options&) { return std::make_shared<CentroidAccuracy>(); });
  r.add<sdk::Metric>("discrimination_l1",
                     "cell-eval PDS: 1 - (other conditions whose observed effect is closer in L1, target genes "
                     "excluded) / conditions (higher is better)",
                     sdk::OptionSchema{}, [](const sdk::Options&) { return std::make_shared<DiscriminationL1>(); });
  r.add<sdk::Metric>("de_overlap",
                     "cell-eval DES: overlap of the predicted and observed DE genes at the observed number of "
                     "significant genes (BH q < 0.05) (higher is better)",
                     sdk::OptionSchema{}, [](const sdk::Options&) { return std::make_shared<DeOverlap>(); });
}

}  // namespace trellis::metrics
