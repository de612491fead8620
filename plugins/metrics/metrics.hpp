#pragma once
// Shared pieces of the metric/* components: reading a MetricInput into
// double vectors, gene selections, and the per-file registration functions.

#include <cstddef>
#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>

#include "trellis/sdk/metric.hpp"
#include "trellis/sdk/plugin.hpp"

namespace trellis::metrics {

/// One condition's pseudobulk vectors in double precision.
struct Profiles {
  std::vector<double> predicted;
  std::vector<double> observed;
  std::vector<double> control;
  std::vector<double> perturbed_mean;  ///< empty when the input has none
  std::size_t genes() const { return observed.size(); }
};

/// Reads predicted, observed, control and, when set, perturbed_mean (all
/// [G], same G); throws
/// trellis::sdk::Error naming the input that is missing or mis-shaped.
Profiles read_profiles(const sdk::MetricInput& input);

/// read_profiles of every condition; throws when their gene counts differ.
std::vector<Profiles> read_all_profiles(const std::vector<sdk::MetricInput>& inputs);

/// Euclidean distance of two vectors of the same length.
double l2_distance(const std::vector<double>& a, const std::vector<double>& b);

/// A [G] or [n, G] float tensor as doubles, row-major.
std::vector<double> to_doubles(const at::Tensor& t);

/// Checks that every index is a valid gene column; throws naming the first
/// that is not and `what` held it.
void check_indices(const std::vector<std::int64_t>& indices, std::size_t genes, const char* what = "the DE ranking");

/// The first min(k, size) entries.
std::vector<std::int64_t> first_k(const std::vector<std::int64_t>& ranking, std::size_t k);

/// Pearson correlation; NaN when fewer than 2 values or either side is constant.
double pearson(const std::vector<double>& x, const std::vector<double>& y);
/// Pearson correlation of a prediction with an observation, as GEARS scores
/// it: a constant prediction against a varying observation has explained
/// nothing and scores 0 (so a model that predicts "no change" for some
/// conditions is not averaged over its other conditions only); NaN only
/// when the observation itself is constant (undefined for every model alike).
double prediction_pearson(const std::vector<double>& predicted, const std::vector<double>& observed);

/// numpy.sign: -1, 0 or +1.
inline int sign(double v) { return (v > 0) - (v < 0); }

/// Which genes a profile metric looks at.
enum class Genes {
  all,          ///< every gene
  top_de,       ///< the first k of MetricInput::de_ranking (NaN when the condition has none)
  non_dropout,  ///< the first k of MetricInput::top20_non_dropout (NaN when empty)
  top_control,  ///< the k genes with the highest control mean, ties by gene index
};

/// What is computed over the selected genes.
enum class Score {
  mse,            ///< mean squared difference
  rmse,           ///< its square root
  l2,             ///< Euclidean norm of the difference
  mae,            ///< mean absolute difference
  pearson,        ///< Pearson correlation
  same_sign,      ///< fraction of genes whose predicted delta has the observed delta's sign
  opposite_sign,  ///< fraction whose signs are strictly opposite (+1 vs -1)
};

/// Values compared: pseudobulk as is, minus the control mean, or minus the
/// mean of the training perturbations (Systema; NaN without one). The sign
/// scores always compare deltas from control.
enum class Space { raw, delta, delta_perturbed };

/// A per-condition metric over one gene selection of the pseudobulk profiles.
class ProfileMetric : public sdk::Metric {
 public:
  ProfileMetric(const char* name, Genes genes, std::size_t k, Space space, Score score);
  sdk::Direction direction() const override;
  double compute(const sdk::MetricInput& input) const override;

 private:
  const char* name_;
  Genes genes_;
  std::size_t k_;
  Space space_;
  Score score_;
};

/// The gene columns `genes` selects (empty: the metric is undefined here).
std::vector<std::int64_t> select_genes(const sdk::MetricInput& input, const Profiles& profiles, Genes genes,
                                       std::size_t k);

void register_pointwise(sdk::Registrar& r);
void register_direction(sdk::Registrar& r);
void register_rank(sdk::Registrar& r);
void register_distribution(sdk::Registrar& r);
void register_systematic(sdk::Registrar& r);

}  // namespace trellis::metrics
