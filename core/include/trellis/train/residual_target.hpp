#pragma once
// [train] target: what a neural predictor learns, by choosing the reference
// profile the host gives it as its control input (FitContext::control_mean
// and every batch's control). A predictor that adds its output to its
// control (GEARS, GRAPE) then learns the difference from that reference:
//   "delta_from_control"         the control mean (and paired control cells): today's behaviour
//   "delta_from_perturbed_mean"  the mean of the training perturbations: only what sets a
//                                perturbation apart from the average perturbed cell (Systema)
//   "expression"                 zero: expression itself

#include <map>
#include <string>

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

namespace trellis::sdk {
struct FitContext;
}

namespace trellis::core::train {

/// Per context, `[G]` added to each paired control cell of that context;
/// contexts without an entry are not shifted.
using ControlShift = std::map<std::string, at::Tensor>;

enum class Target { expression, delta_from_control, delta_from_perturbed_mean };

/// Reads and removes `target` from a [train] table (default
/// delta_from_control); throws sdk::Error naming the key and the choices.
Target take_target(nlohmann::json& train_table);

std::string target_name(Target target);

/// Sets each cell context's control mean (`context.control_means`, and
/// `context.control_mean` for a screen without contexts) to the target's
/// reference and returns, per context, the shift (reference - control mean)
/// to add to its paired control cells; empty for delta_from_control
/// (nothing changes). The perturbed mean of a context is its control plus
/// sdk::perturbed_delta of the fit's training conditions in it.
ControlShift apply_target(Target target, sdk::FitContext& context);

}  // namespace trellis::core::train
