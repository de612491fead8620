#pragma once
/// @file fit_support.hpp
/// Helpers for predictors reading their FitContext.

#include <ATen/core/Tensor.h>

#include "trellis/sdk/export.hpp"

namespace trellis::sdk {

struct FitContext;

/// The mean control expression `[G_measured]`: `context.control_mean` when
/// the host set it, else the mean of the screen's control cells. Throws
/// trellis::sdk::Error when the context has neither (no data to fit on).
TRELLIS_SDK_API at::Tensor control_mean(const FitContext& context);

}  // namespace trellis::sdk
