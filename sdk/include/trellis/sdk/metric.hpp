#pragma once
/// @file metric.hpp
/// Metric: scores predictions of one test condition (or of a set of them).

#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>

#include "trellis/sdk/export.hpp"
#include "trellis/sdk/kind.hpp"

namespace trellis::sdk {

/// Whether larger or smaller values are better (used by ranks and early stopping).
enum class Direction { higher_is_better, lower_is_better };

/// One test condition, on pseudobulk, over the measured genes.
struct TRELLIS_SDK_API MetricInput {
  at::Tensor predicted;   ///< [G] predicted mean expression
  at::Tensor observed;    ///< [G] observed mean expression
  at::Tensor control;     ///< [G] control mean
  std::vector<std::int64_t> de_ranking;          ///< all genes by |DE score|, best first
  std::vector<std::int64_t> top20_non_dropout;   ///< non-dropout top-20 DE genes
  at::Tensor predicted_cells;  ///< [n, G] sampled cells; undefined if the predictor does not sample
  at::Tensor observed_cells;   ///< [m, G] observed cells of the condition
  /// [G] mean pseudobulk of the training perturbations (each condition
  /// weighted equally): the reference of Systema's `*_pert` metrics, which
  /// score only what sets a perturbation apart from the average one.
  /// Undefined when the evaluation has no training conditions.
  at::Tensor perturbed_mean;
  std::vector<std::int64_t> target_columns;  ///< gene columns of the condition's measured perturbed genes
  std::int64_t de_significant = -1;          ///< genes DE against control at BH q < 0.05 (Welch t); -1: not tested
};

/// A metric declares its direction and computes one value per condition.
class TRELLIS_SDK_API Metric {
 public:
  virtual ~Metric();
  virtual Direction direction() const = 0;
  /// The value for one condition.
  virtual double compute(const MetricInput& input) const = 0;
  /// Values for all test conditions at once. The default calls compute() per
  /// condition; metrics that compare conditions with each other (rank)
  /// override it.
  virtual std::vector<double> compute_all(const std::vector<MetricInput>& inputs) const;
};

TRELLIS_SDK_KIND(Metric, "metric", "Scores predicted expression of test conditions")

}  // namespace trellis::sdk
