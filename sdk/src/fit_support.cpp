#include "trellis/sdk/fit_support.hpp"

#include <ATen/ATen.h>

#include "trellis/sdk/data.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/predictor.hpp"
#include "trellis/sdk/suggest.hpp"

namespace trellis::sdk {

namespace {

const Screen& screen_of(const FitContext& context) {
  if (!context.screen) throw Error("fitting needs a screen (the config's [data])");
  return *context.screen;
}

}  // namespace

at::Tensor control_mean(const FitContext& context) {
  if (context.control_mean.defined()) return context.control_mean;
  if (!context.screen)
    throw Error("fitting needs the mean control expression, and there is neither a control mean nor a screen to "
                "compute it from (give the config a [data] section)");
  return condition_mean(context, context.screen->control_index());
}

at::Tensor control_mean(const FitContext& context, const std::string& cell_context) {
  if (const auto set = context.control_means.find(cell_context); set != context.control_means.end())
    return set->second.to(at::kFloat);
  return condition_mean(context, screen_of(context).control_index(cell_context));
}

at::Tensor condition_mean(const FitContext& context, std::int64_t condition) {
  const Screen& screen = screen_of(context);
  if (!context.condition_means.defined()) return screen.mean_of(condition);
  const at::Tensor& means = context.condition_means;
  if (means.dim() != 2 || means.size(0) != static_cast<std::int64_t>(screen.conditions.size()))
    throw Error("the condition means must have one row per screen condition (" +
                std::to_string(screen.conditions.size()) + ")");
  return means[condition].to(at::kFloat);
}

at::Tensor condition_delta(const FitContext& context, std::int64_t condition) {
  return condition_mean(context, condition) - condition_mean(context, screen_of(context).control_of(condition));
}

at::Tensor perturbed_delta(const FitContext& context, const std::string& cell_context, bool fallback) {
  const Screen& screen = screen_of(context);
  at::Tensor in_context, everywhere;
  std::int64_t n_in = 0, n_all = 0;
  for (const std::int64_t c : context.train_conditions) {
    const Condition& condition = screen.conditions.at(static_cast<std::size_t>(c));
    if (condition.is_control()) continue;
    const at::Tensor delta = condition_delta(context, c);
    everywhere = everywhere.defined() ? everywhere + delta : delta;
    ++n_all;
    if (condition.context != cell_context) continue;
    in_context = in_context.defined() ? in_context + delta : delta;
    ++n_in;
  }
  if (n_in > 0) return in_context / static_cast<double>(n_in);
  if (fallback && n_all > 0) return everywhere / static_cast<double>(n_all);
  throw Error(cell_context.empty() ? std::string("fitting needs at least one perturbed training condition")
                                   : "context '" + cell_context + "' has no perturbed training condition");
}

ControlMeans::ControlMeans(const FitContext& context) {
  const std::vector<std::string> contexts = context.screen ? context.screen->contexts() : std::vector<std::string>{""};
  std::map<std::string, at::Tensor> means;
  if (contexts.size() == 1 && contexts.front().empty())
    means[""] = control_mean(context).to(at::kFloat).contiguous();
  else
    for (const std::string& c : contexts) means[c] = control_mean(context, c).contiguous();
  *this = ControlMeans(std::move(means));  // checks the shapes
}

ControlMeans::ControlMeans(std::map<std::string, at::Tensor> by_context) : by_context_(std::move(by_context)) {
  std::int64_t g = -1;
  for (const auto& [name, mean] : by_context_) {
    if (!mean.defined() || mean.dim() != 1)
      throw Error("the control mean of context '" + name + "' must be a vector [genes]");
    if (g >= 0 && mean.size(0) != g)
      throw Error("the control means cover different numbers of genes (" + std::to_string(g) + " and " +
                  std::to_string(mean.size(0)) + " for context '" + name + "')");
    g = mean.size(0);
  }
}

std::int64_t ControlMeans::genes() const { return empty() ? 0 : by_context_.begin()->second.size(0); }

const at::Tensor& ControlMeans::of(const std::string& cell_context) const {
  const auto found = by_context_.find(cell_context);
  if (found != by_context_.end()) return found->second;
  std::vector<std::string> known;
  for (const auto& [name, mean] : by_context_) known.push_back(name.empty() ? "(none)" : name);
  throw Error((cell_context.empty() ? std::string("a condition without a context")
                                    : "context '" + cell_context + "'") +
              " is not one the model was fitted on (" + join_first(known, 8) +
              "); name a condition as PERTURBATION@CONTEXT with a fitted context");
}

at::Tensor ControlMeans::rows(const std::vector<Condition>& conditions) const {
  std::vector<at::Tensor> out;
  out.reserve(conditions.size());
  for (const Condition& c : conditions) out.push_back(of(c.context));
  if (out.empty()) return at::empty({0, genes()}, at::kFloat);
  return at::stack(out);
}

}  // namespace trellis::sdk
