#include "trellis/sdk/fit_support.hpp"

#include <ATen/ATen.h>

#include "trellis/sdk/data.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/predictor.hpp"

namespace trellis::sdk {

at::Tensor control_mean(const FitContext& context) {
  if (context.control_mean.defined()) return context.control_mean;
  if (!context.screen)
    throw Error("fitting needs the mean control expression, and there is neither a control mean nor a screen to "
                "compute it from (give the config a [data] section)");
  return context.screen->mean_of(context.screen->control_index());
}

at::Tensor condition_mean(const FitContext& context, std::int64_t condition) {
  if (!context.screen) throw Error("fitting needs a screen (the config's [data])");
  const Screen& screen = *context.screen;
  if (!context.condition_means.defined()) return screen.mean_of(condition);
  const at::Tensor& means = context.condition_means;
  if (means.dim() != 2 || means.size(0) != static_cast<std::int64_t>(screen.conditions.size()))
    throw Error("the condition means must have one row per screen condition (" +
                std::to_string(screen.conditions.size()) + ")");
  return means[condition].to(at::kFloat);
}

at::Tensor perturbed_mean(const FitContext& context) {
  if (!context.screen) throw Error("fitting needs a screen (the config's [data])");
  const at::Tensor control = control_mean(context).to(at::kFloat);
  at::Tensor sum = at::zeros_like(control);
  std::int64_t n = 0;
  for (const std::int64_t c : context.train_conditions) {
    if (context.screen->conditions.at(static_cast<std::size_t>(c)).is_control()) continue;
    sum += condition_mean(context, c) - control;
    ++n;
  }
  if (n == 0) throw Error("fitting needs at least one perturbed training condition");
  return control + sum / static_cast<double>(n);
}

}  // namespace trellis::sdk
