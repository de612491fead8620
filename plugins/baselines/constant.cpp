// The baselines that predict one change for every condition of a context:
// the context's control mean plus that change.
#include <iterator>

#include <ATen/ATen.h>

#include "baseline.hpp"
#include "baselines.hpp"
#include "trellis/sdk/data.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/fit_support.hpp"

namespace trellis::baselines {

namespace {

using sdk::Error;

/// Predicts its context's control mean plus the context's change.
class ContextShift : public Baseline {
 public:
  using Baseline::Baseline;

  at::Tensor predict(const std::vector<sdk::Condition>& conditions) override {
    require_fitted();
    std::vector<at::Tensor> rows;
    rows.reserve(conditions.size());
    for (const sdk::Condition& c : conditions) rows.push_back(controls_.of(c.context) + shift_of(c.context));
    if (rows.empty()) return at::empty({0, controls_.genes()}, at::kFloat);
    return at::stack(rows);
  }

 protected:
  /// Sets the change of every context of `controls` with `change(context)`.
  template <class Change>
  void fit_changes(const sdk::ControlMeans& controls, Change change) {
    std::vector<at::Tensor> rows;
    for (const auto& [name, mean] : controls.by_context()) rows.push_back(change(name).to(at::kFloat));
    shifts_ = at::stack(rows);
    controls_ = controls;
  }

  State state() const override { return {{"shifts", shifts_}}; }
  std::vector<std::string> state_names() const override { return {"shifts"}; }
  void restore(const State& state) override {
    shifts_ = state.at("shifts").to(at::kFloat);
    if (shifts_.dim() != 2 || shifts_.size(0) != static_cast<std::int64_t>(controls_.by_context().size()) ||
        shifts_.size(1) != controls_.genes())
      throw Error("the saved changes do not match the saved control means; fit the model again");
  }

 private:
  /// Row of `shifts_`: contexts in the (sorted) order of controls_.
  at::Tensor shift_of(const std::string& context) const {
    const auto& by_context = controls_.by_context();
    const auto found = by_context.find(context);
    if (found == by_context.end()) controls_.of(context);  // throws naming the fitted contexts
    return shifts_[std::distance(by_context.begin(), found)];
  }

  at::Tensor shifts_;  ///< [contexts, G]
};

/// no_change: the control mean of the condition's context.
class NoChange : public ContextShift {
 public:
  NoChange() : ContextShift("predictor/no_change") {}
  void fit(sdk::FitContext& context) override {
    const sdk::ControlMeans controls = begin_fit(context);
    fit_changes(controls, [&](const std::string& name) { return at::zeros_like(controls.of(name)); });
  }
};

/// mean: the control mean plus the mean change of the training perturbations
/// of the same context (each condition weighted equally); a context without
/// training perturbations gets the mean change over all contexts.
class MeanDelta : public ContextShift {
 public:
  MeanDelta() : ContextShift("predictor/mean") {}
  void fit(sdk::FitContext& context) override {
    const sdk::ControlMeans controls = begin_fit(context);
    fit_changes(controls, [&](const std::string& name) { return sdk::perturbed_delta(context, name); });
  }
};

/// perturbed_mean: the mean of all perturbed training cells of the context,
/// each cell weighted equally (the Virtual Cell Challenge's baseline). `mean`
/// weights each condition equally instead; they differ when conditions have
/// different numbers of cells. Computed as the cell-weighted mean change
/// from the context's control; a context without perturbed training cells
/// gets the cell-weighted mean change over all contexts.
class PerturbedMean : public ContextShift {
 public:
  PerturbedMean() : ContextShift("predictor/perturbed_mean") {}
  void fit(sdk::FitContext& context) override {
    const sdk::ControlMeans controls = begin_fit(context);
    const sdk::Screen& screen = *context.screen;
    std::map<std::string, std::pair<at::Tensor, std::int64_t>> sums;  // context -> (cell-weighted sum, cells)
    std::pair<at::Tensor, std::int64_t> all;
    for (std::int64_t c : context.train_conditions) {
      const sdk::Condition& condition = screen.conditions.at(static_cast<std::size_t>(c));
      if (condition.is_control()) continue;
      const std::int64_t n = screen.cells_of(c).numel();
      const at::Tensor weighted = sdk::condition_delta(context, c).to(at::kDouble) * static_cast<double>(n);
      for (auto* sum : {&sums[condition.context], &all}) {
        sum->first = sum->first.defined() ? sum->first + weighted : weighted;
        sum->second += n;
      }
    }
    if (all.second == 0) throw Error("fitting needs at least one perturbed training cell");
    fit_changes(controls, [&](const std::string& name) {
      const auto found = sums.find(name);
      const auto& [sum, cells] = found != sums.end() && found->second.second > 0 ? found->second : all;
      return sum / static_cast<double>(cells);
    });
  }
};

}  // namespace

std::shared_ptr<sdk::Predictor> make_perturbed_mean(const sdk::Options&) { return std::make_shared<PerturbedMean>(); }
std::shared_ptr<sdk::Predictor> make_no_change(const sdk::Options&) { return std::make_shared<NoChange>(); }
std::shared_ptr<sdk::Predictor> make_mean(const sdk::Options&) { return std::make_shared<MeanDelta>(); }

}  // namespace trellis::baselines
