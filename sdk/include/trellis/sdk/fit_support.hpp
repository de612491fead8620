#pragma once
/// @file fit_support.hpp
/// Helpers for predictors reading their FitContext.

#include <cstdint>

#include <ATen/core/Tensor.h>

#include "trellis/sdk/export.hpp"

namespace trellis::sdk {

struct FitContext;

/// The mean control expression `[G_measured]`: `context.control_mean` when
/// the host set it, else the mean of the screen's control cells. Throws
/// trellis::sdk::Error when the context has neither (no data to fit on).
TRELLIS_SDK_API at::Tensor control_mean(const FitContext& context);

/// The pseudobulk `[G_measured]` (float) of screen condition `condition`:
/// row `condition` of `context.condition_means` when the host set them,
/// else the mean of the condition's cells. Throws trellis::sdk::Error
/// without a screen or when the means do not have one row per condition.
TRELLIS_SDK_API at::Tensor condition_mean(const FitContext& context, std::int64_t condition);

/// The mean pseudobulk of the training perturbations, each condition
/// weighted equally (float, `[G_measured]`): the control mean plus the mean
/// of their changes from it. Throws trellis::sdk::Error when the training
/// conditions hold no perturbation.
TRELLIS_SDK_API at::Tensor perturbed_mean(const FitContext& context);

}  // namespace trellis::sdk
