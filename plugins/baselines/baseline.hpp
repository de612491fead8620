#pragma once
// What every baseline predictor shares: the data it fits on (the host's
// pseudobulk when given, else the screen's), the shifted-control sampling,
// and a saved state of named tensors.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "trellis/sdk/fit_support.hpp"
#include "trellis/sdk/predictor.hpp"

namespace trellis::baselines {

/// Named tensors: what a baseline needs to predict after fit().
using State = std::map<std::string, at::Tensor>;

/// The screen of a fit; throws when absent.
const sdk::Screen& screen_of(const sdk::FitContext& context);


/// Base of the baselines. Subclasses fit into `control_mean_` plus their own
/// state (state() / restore()); this class saves and loads both, and samples.
class Baseline : public sdk::Predictor {
 public:
  /// `name` is the component key shown in messages and stored in saved
  /// files, e.g. "predictor/linear".
  explicit Baseline(std::string name) : name_(std::move(name)) {}

  /// The baseline's predicted distribution is a shifted control
  /// distribution: for each condition, `cells_per_condition` control cells
  /// of the screen (of the condition's context) drawn at random (without replacement when there are
  /// enough, else with replacement) plus (prediction - control mean). Only
  /// the mean moves; the spread is the control cells'. Values are not
  /// clipped at zero, so the sample mean estimates the prediction without
  /// bias. One generator seeded with `seed` draws the conditions in order.
  std::vector<at::Tensor> sample(const std::vector<sdk::Condition>& conditions, std::int64_t cells_per_condition,
                                 std::uint64_t seed) override;
  /// Writes the predictor's name, the control means and state() to `file`
  /// (torch archive, written to `file.tmp` then renamed).
  void save(const std::string& file) const override;
  /// Reads a file written by save() of the same predictor; keeps
  /// context.screen for sample().
  void load(const std::string& file, sdk::FitContext& context) override;

 protected:
  /// Call first in fit(): forgets any previous fit, remembers the screen
  /// (for sample()) and returns the control means. Assign them to
  /// `controls_` once the fit has succeeded: that marks it fitted.
  sdk::ControlMeans begin_fit(const sdk::FitContext& context);
  /// Throws "predict() called before fit()" naming the predictor.
  void require_fitted() const;
  /// The subclass's part of the saved state.
  virtual State state() const = 0;
  /// Names of the tensors state() writes (load() requires each).
  virtual std::vector<std::string> state_names() const = 0;
  /// Takes back a state written by state(); `controls_` is already set.
  virtual void restore(const State& state) = 0;

  std::string name_;
  sdk::ControlMeans controls_;  ///< [G] float32 per context; empty until fit() or load()
  const sdk::Screen* screen_ = nullptr;  ///< the fit's screen: must outlive the predictor for sample()
};

}  // namespace trellis::baselines
