#include "trellis/train/residual_target.hpp"

#include <ATen/ATen.h>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/fit_support.hpp"
#include "trellis/sdk/predictor.hpp"
#include "trellis/sdk/suggest.hpp"

namespace trellis::core::train {

namespace {
const std::vector<std::string> kNames = {"expression", "delta_from_control", "delta_from_perturbed_mean"};
}

Target take_target(nlohmann::json& train_table) {
  if (!train_table.is_object() || !train_table.contains("target")) return Target::delta_from_control;
  const nlohmann::json value = train_table["target"];
  train_table.erase("target");
  const std::string name = value.is_string() ? value.get<std::string>() : value.dump();
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (name == kNames[i]) return static_cast<Target>(i);
  const std::string near = sdk::closest_match(name, kNames);
  throw sdk::Error("[train]: option 'target' must be one of " + sdk::join(kNames) + ", got " + value.dump() +
                   (near.empty() ? "" : " (did you mean '" + near + "'?)"));
}

std::string target_name(Target target) { return kNames.at(static_cast<std::size_t>(target)); }

ControlShift apply_target(Target target, sdk::FitContext& context) {
  if (target == Target::delta_from_control) return {};
  if (!context.screen) throw sdk::Error("[train] target needs a screen (the config's [data])");
  const std::vector<std::string> contexts = context.screen->contexts();
  const bool one = contexts.size() == 1 && contexts.front().empty();
  ControlShift shift;
  for (const std::string& cell_context : contexts) {
    const at::Tensor control = (one ? sdk::control_mean(context) : sdk::control_mean(context, cell_context)).to(at::kFloat);
    at::Tensor reference;
    if (target == Target::expression) {
      reference = at::zeros_like(control);
    } else {
      try {
        reference = control + sdk::perturbed_delta(context, cell_context);
      } catch (const sdk::Error& e) {
        throw sdk::Error(std::string("[train] target = \"delta_from_perturbed_mean\": ") + e.what());
      }
    }
    shift[cell_context] = reference - control;
    context.control_means[cell_context] = reference;
    if (one) context.control_mean = reference;
  }
  return shift;
}

}  // namespace trellis::core::train
