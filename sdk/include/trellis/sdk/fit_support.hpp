#pragma once
/// @file fit_support.hpp
/// Helpers for predictors reading their FitContext.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "trellis/sdk/export.hpp"

namespace trellis::sdk {

struct FitContext;
struct Condition;

/// The mean control expression `[G_measured]`: `context.control_mean` when
/// the host set it, else the mean of the screen's control cells. Throws
/// trellis::sdk::Error when the context has neither (no data to fit on), or
/// when the screen has several contexts (use ControlMeans).
TRELLIS_SDK_API at::Tensor control_mean(const FitContext& context);

/// The mean control expression of one cell context `[G_measured]` (float):
/// the pseudobulk of that context's control condition. Throws
/// trellis::sdk::Error naming the context when it has no control.
TRELLIS_SDK_API at::Tensor control_mean(const FitContext& context, const std::string& cell_context);

/// The pseudobulk `[G_measured]` (float) of screen condition `condition`:
/// row `condition` of `context.condition_means` when the host set them,
/// else the mean of the condition's cells. Throws trellis::sdk::Error
/// without a screen or when the means do not have one row per condition.
TRELLIS_SDK_API at::Tensor condition_mean(const FitContext& context, std::int64_t condition);

/// The change of screen condition `condition` from the control of its own
/// context: condition_mean() minus that context's control mean (float).
TRELLIS_SDK_API at::Tensor condition_delta(const FitContext& context, std::int64_t condition);

/// The mean change of the training perturbations of one cell context from
/// that context's control, each condition weighted equally (float,
/// `[G_measured]`); the context's control mean plus it is the mean
/// pseudobulk of those perturbations. With `fallback`, a context without training
/// perturbations gets the mean change over all contexts; without it, that
/// is an error naming the context.
TRELLIS_SDK_API at::Tensor perturbed_delta(const FitContext& context, const std::string& cell_context,
                                           bool fallback = true);

/// The control mean of every cell context of a fit, for predictors that add
/// a predicted change to the control of each condition's own context. A
/// screen without contexts has one entry, under "".
class TRELLIS_SDK_API ControlMeans {
 public:
  ControlMeans() = default;
  /// Every context of `context.screen`; for a screen without contexts the
  /// one entry is sdk::control_mean(context). Throws trellis::sdk::Error when
  /// a mean is not a vector or the means differ in length.
  explicit ControlMeans(const FitContext& context);
  /// Built from saved means (e.g. a predictor's loaded state).
  explicit ControlMeans(std::map<std::string, at::Tensor> by_context);

  bool empty() const { return by_context_.empty(); }
  /// Genes per mean; 0 when empty.
  std::int64_t genes() const;
  /// The mean of `cell_context`; throws trellis::sdk::Error naming it and
  /// the known contexts when it is not one of them.
  const at::Tensor& of(const std::string& cell_context) const;
  /// `[n, G]`: row r is the control mean of `conditions[r]`'s context.
  at::Tensor rows(const std::vector<Condition>& conditions) const;
  /// The means by context.
  const std::map<std::string, at::Tensor>& by_context() const { return by_context_; }

 private:
  std::map<std::string, at::Tensor> by_context_;
};

}  // namespace trellis::sdk
