// The baselines that predict one profile for every condition.
#include <ATen/ATen.h>

#include "baseline.hpp"
#include "baselines.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/fit_support.hpp"

namespace trellis::baselines {

namespace {

using sdk::Error;

/// Predicts the same profile for every condition.
class ConstantPredictor : public Baseline {
 public:
  using Baseline::Baseline;

  at::Tensor predict(const std::vector<sdk::Condition>& conditions) override {
    require_fitted();
    return profile_.unsqueeze(0).expand({static_cast<std::int64_t>(conditions.size()), profile_.size(0)}).clone();
  }

 protected:
  State state() const override { return {{"profile", profile_}}; }
  std::vector<std::string> state_names() const override { return {"profile"}; }
  void restore(const State& state) override { profile_ = state.at("profile").to(at::kFloat); }

  at::Tensor profile_;
};

/// no_change: the control mean.
class NoChange : public ConstantPredictor {
 public:
  NoChange() : ConstantPredictor("predictor/no_change") {}
  void fit(sdk::FitContext& context) override {
    const at::Tensor control = begin_fit(context);
    profile_ = control.clone();
    control_mean_ = control;
  }
};

/// mean: the control mean plus the mean delta of all training perturbations.
class MeanDelta : public ConstantPredictor {
 public:
  MeanDelta() : ConstantPredictor("predictor/mean") {}
  void fit(sdk::FitContext& context) override {
    const at::Tensor control = begin_fit(context);
    profile_ = sdk::perturbed_mean(context);
    control_mean_ = control;
  }
};

/// perturbed_mean: the mean of all perturbed training cells, each cell
/// weighted equally (the Virtual Cell Challenge's baseline). `mean` weights
/// each condition equally instead; they differ when conditions have
/// different numbers of cells.
class PerturbedMean : public ConstantPredictor {
 public:
  PerturbedMean() : ConstantPredictor("predictor/perturbed_mean") {}
  void fit(sdk::FitContext& context) override {
    const at::Tensor control = begin_fit(context);
    const sdk::Screen& screen = *context.screen;
    at::Tensor sum = at::zeros_like(control, at::kDouble);
    std::int64_t cells = 0;
    for (std::int64_t c : context.train_conditions) {
      if (screen.conditions.at(static_cast<std::size_t>(c)).is_control()) continue;
      const std::int64_t n = screen.cells_of(c).numel();
      sum += sdk::condition_mean(context, c).to(at::kDouble) * static_cast<double>(n);
      cells += n;
    }
    if (cells == 0) throw Error("fitting needs at least one perturbed training cell");
    profile_ = (sum / static_cast<double>(cells)).to(at::kFloat);
    control_mean_ = control;
  }
};

}  // namespace

std::shared_ptr<sdk::Predictor> make_perturbed_mean(const sdk::Options&) { return std::make_shared<PerturbedMean>(); }
std::shared_ptr<sdk::Predictor> make_no_change(const sdk::Options&) { return std::make_shared<NoChange>(); }
std::shared_ptr<sdk::Predictor> make_mean(const sdk::Options&) { return std::make_shared<MeanDelta>(); }

}  // namespace trellis::baselines
