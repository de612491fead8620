#pragma once
// What a model may see while it is built and fitted: the training and
// validation conditions and the control cells, never a test condition.
// Encoders, graph constructors and predictors get this view, so keeping
// test data out of training is the host's guarantee rather than each
// plugin's care.

#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>

#include "trellis/sdk/data.hpp"

namespace trellis::core::experiment {

struct FittingView {
  sdk::Screen screen;                   ///< control, train and validation conditions and their cells only
  std::vector<std::int64_t> train;      ///< indices into screen.conditions
  std::vector<std::int64_t> val;
  at::Tensor condition_means;           ///< [screen.conditions, G] rows of the kept conditions
};

/// The view of `full` restricted to its control condition and the conditions
/// `train` and `val` (indices into full.conditions), with their cells in the
/// original order; `means` is `[full.conditions, G]` pseudobulk.
FittingView fitting_view(const sdk::Screen& full, const std::vector<std::int64_t>& train,
                         const std::vector<std::int64_t>& val, const at::Tensor& means);

}  // namespace trellis::core::experiment
