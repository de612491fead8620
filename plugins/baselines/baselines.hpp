#pragma once
// The baseline predictors' factories, registered by baselines_plugin.cpp.

#include <memory>

#include "trellis/sdk/options.hpp"
#include "trellis/sdk/predictor.hpp"

namespace trellis::baselines {

/// predictor/no_change: the control mean (constant.cpp).
std::shared_ptr<sdk::Predictor> make_no_change(const sdk::Options& options);
/// predictor/mean: control mean + mean delta of the training perturbations (constant.cpp).
std::shared_ptr<sdk::Predictor> make_mean(const sdk::Options& options);

/// predictor/perturbed_mean: the mean of all perturbed training cells (constant.cpp).
std::shared_ptr<sdk::Predictor> make_perturbed_mean(const sdk::Options& options);
/// predictor/additive: control mean + the observed single deltas (additive.cpp).
std::shared_ptr<sdk::Predictor> make_additive(const sdk::Options& options);
/// predictor/linear: Ahlmann-Eltze's bilinear ridge model (linear.cpp).
std::shared_ptr<sdk::Predictor> make_linear(const sdk::Options& options);
/// predictor/linear's options.
sdk::OptionSchema linear_options();

}  // namespace trellis::baselines
