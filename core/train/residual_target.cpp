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

at::Tensor apply_target(Target target, sdk::FitContext& context, const std::vector<std::int64_t>& train_conditions) {
  if (target == Target::delta_from_control) return {};
  const at::Tensor control = sdk::control_mean(context).to(at::kFloat);
  at::Tensor reference;
  if (target == Target::expression) {
    reference = at::zeros_like(control);
  } else {
    if (!context.screen || !context.condition_means.defined())
      throw sdk::Error("[train] target = \"delta_from_perturbed_mean\" needs the training conditions' pseudobulk");
    at::Tensor sum = at::zeros_like(control, at::kDouble);
    std::int64_t n = 0;
    for (const std::int64_t c : train_conditions) {
      if (context.screen->conditions.at(static_cast<std::size_t>(c)).is_control()) continue;
      sum += context.condition_means[c].to(at::kDouble);
      ++n;
    }
    if (n == 0)
      throw sdk::Error("[train] target = \"delta_from_perturbed_mean\" needs at least one perturbed training "
                       "condition; the split has none");
    reference = (sum / static_cast<double>(n)).to(at::kFloat);
  }
  context.control_mean = reference;
  return reference - control;
}

}  // namespace trellis::core::train
