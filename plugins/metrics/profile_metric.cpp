// ProfileMetric: one score over one gene selection of a condition's
// pseudobulk. Every GEARS, GRAPE and Ahlmann-Eltze metric is one of these.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "metrics.hpp"

namespace trellis::metrics {

namespace {
constexpr double nan = std::numeric_limits<double>::quiet_NaN();
}

std::vector<std::int64_t> select_genes(const sdk::MetricInput& input, const Profiles& profiles, Genes genes,
                                       std::size_t k) {
  const std::size_t g = profiles.genes();
  switch (genes) {
    case Genes::all: {
      std::vector<std::int64_t> all(g);
      std::iota(all.begin(), all.end(), 0);
      return all;
    }
    case Genes::top_de:
      check_indices(input.de_ranking, g);
      return first_k(input.de_ranking, k);
    case Genes::non_dropout:
      check_indices(input.top20_non_dropout, g);
      return first_k(input.top20_non_dropout, k);
    case Genes::top_control: {
      std::vector<std::int64_t> order(g);
      std::iota(order.begin(), order.end(), 0);
      // Stable: equal control means keep gene-index order.
      std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
        return profiles.control[static_cast<std::size_t>(a)] > profiles.control[static_cast<std::size_t>(b)];
      });
      order.resize(std::min(k, g));
      return order;
    }
  }
  return {};
}

ProfileMetric::ProfileMetric(const char* name, Genes genes, std::size_t k, Space space, Score score)
    : name_(name), genes_(genes), k_(k), space_(space), score_(score) {}

sdk::Direction ProfileMetric::direction() const {
  switch (score_) {
    case Score::pearson:
    case Score::same_sign:
      return sdk::Direction::higher_is_better;
    default:
      return sdk::Direction::lower_is_better;
  }
}

double ProfileMetric::compute(const sdk::MetricInput& input) const {
  const Profiles profiles = read_profiles(input);
  const std::vector<std::int64_t> genes = select_genes(input, profiles, genes_, k_);
  if (genes.empty()) return nan;  // e.g. a condition whose DE was not tested
  const bool delta = space_ == Space::delta || score_ == Score::same_sign || score_ == Score::opposite_sign;
  const bool delta_perturbed = space_ == Space::delta_perturbed && !delta;
  if (delta_perturbed && profiles.perturbed_mean.empty()) return nan;  // no training perturbations to compare with
  std::vector<double> p, o;
  p.reserve(genes.size());
  o.reserve(genes.size());
  for (std::int64_t gi : genes) {
    const auto i = static_cast<std::size_t>(gi);
    const double c = delta ? profiles.control[i] : (delta_perturbed ? profiles.perturbed_mean[i] : 0.0);
    p.push_back(profiles.predicted[i] - c);
    o.push_back(profiles.observed[i] - c);
  }
  const auto n = static_cast<double>(genes.size());
  double sum = 0;
  switch (score_) {
    case Score::pearson:
      return prediction_pearson(p, o);
    case Score::mse:
    case Score::rmse:
    case Score::l2:
      for (std::size_t i = 0; i < p.size(); ++i) sum += (p[i] - o[i]) * (p[i] - o[i]);
      if (score_ == Score::mse) return sum / n;
      return score_ == Score::rmse ? std::sqrt(sum / n) : std::sqrt(sum);
    case Score::mae:
      for (std::size_t i = 0; i < p.size(); ++i) sum += std::fabs(p[i] - o[i]);
      return sum / n;
    case Score::same_sign:
      // GEARS: |sign(pred delta) - sign(obs delta)| == 0, with sign(0) = 0.
      for (std::size_t i = 0; i < p.size(); ++i) sum += sign(p[i]) == sign(o[i]);
      return sum / n;
    case Score::opposite_sign:
      // GEARS: |sign(pred delta) - sign(obs delta)| == 2.
      for (std::size_t i = 0; i < p.size(); ++i) sum += std::abs(sign(p[i]) - sign(o[i])) == 2;
      return sum / n;
  }
  return nan;
}

}  // namespace trellis::metrics
