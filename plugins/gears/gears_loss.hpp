#pragma once
// GEARS' training loss (gears/utils.py: loss_fct, uncertainty_loss_fct),
// vectorised over a batch with per-element weights.

#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>

#include "gears_config.hpp"

namespace trellis::gears {

/// `[B, G]` weights that turn a sum over a batch into GEARS' loss: the mean
/// over perturbation groups (rows with the same condition) of the mean over
/// the group's cells x retained genes.
///
/// `retained[b]` is the `[G]` 0/1 float mask of the genes row `b`'s group
/// keeps (GEARS: the genes whose mean in the condition is non-zero; all
/// genes for the control). Rows are grouped by `condition[b]`; a group
/// whose mask is all zero is left out (GEARS would divide by zero).
at::Tensor group_weights(const std::vector<std::int64_t>& condition, const std::vector<at::Tensor>& retained);

/// sum(weight * (|pred - y|^(2 + gamma) + lambda * (s(y - c) - s(pred - c))^2))
/// with `c` the control mean, `[G]` or one row per batch row `[B, G]` (each
/// row's context), and `s` = sign (reference) or tanh(k *)
/// (smooth). With `logvar` defined (the uncertainty head) the error term is
/// GEARS' |pred - y|^(2+gamma) * (1 + reg * exp(-logvar)).
at::Tensor gears_loss(const at::Tensor& pred, const at::Tensor& target, const at::Tensor& control_mean,
                      const at::Tensor& weight, const at::Tensor& logvar, const GearsConfig& config);

}  // namespace trellis::gears
