// The simple baselines every model is reported beside (METHODS.md).
#include <memory>

#include <ATen/ATen.h>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/plugin.hpp"
#include "trellis/sdk/predictor.hpp"

namespace trellis::baselines {

namespace {

using namespace trellis::sdk;

/// Predicts the same profile for every condition.
class ConstantPredictor : public Predictor {
 public:
  at::Tensor predict(const std::vector<Condition>& conditions) override {
    if (!profile_.defined()) throw Error("predict() called before fit()");
    return profile_.unsqueeze(0).expand({static_cast<std::int64_t>(conditions.size()), profile_.size(0)}).clone();
  }

 protected:
  static const Screen& screen_of(const FitContext& context) {
    if (!context.screen) throw Error("this baseline needs a screen to fit");
    return *context.screen;
  }
  at::Tensor profile_;
};

/// no_change: the control mean.
class NoChange : public ConstantPredictor {
 public:
  void fit(FitContext& context) override {
    const Screen& screen = screen_of(context);
    profile_ = screen.mean_of(screen.control_index());
  }
};

/// mean: the control mean plus the mean delta of all training perturbations.
class MeanDelta : public ConstantPredictor {
 public:
  void fit(FitContext& context) override {
    const Screen& screen = screen_of(context);
    const at::Tensor control = screen.mean_of(screen.control_index());
    at::Tensor sum = at::zeros_like(control);
    std::int64_t n = 0;
    for (std::int64_t c : context.train_conditions) {
      if (screen.conditions.at(static_cast<std::size_t>(c)).is_control()) continue;
      sum += screen.mean_of(c) - control;
      ++n;
    }
    if (n == 0) throw Error("predictor/mean needs at least one perturbed training condition");
    profile_ = control + sum / static_cast<double>(n);
  }
};

void register_components(Registrar& r) {
  r.add_predictor("no_change", "Predicts the control mean for every perturbation", OptionSchema{},
                  [](const Options&) { return std::make_shared<NoChange>(); });
  r.add_predictor("mean", "Predicts control mean + mean delta of all training perturbations", OptionSchema{},
                  [](const Options&) { return std::make_shared<MeanDelta>(); });
}

}  // namespace

}  // namespace trellis::baselines

TRELLIS_PLUGIN("baselines", "0.1.0", "Simple baselines reported beside every model", "MIT",
               trellis::baselines::register_components)
