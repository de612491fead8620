#pragma once
// The options of predictor/gears, checked once when the component is made.

#include <cstdint>
#include <string>

namespace trellis::sdk {
class Options;
}

namespace trellis::gears {

/// How the direction term compares the signs of predicted and observed
/// changes against the control mean.
enum class DirectionMode {
  smooth,     ///< tanh(k * delta) on both sides: differentiable (the default)
  reference,  ///< sign(delta) as GEARS: its gradient is zero, so it trains nothing
};

struct GearsConfig {
  std::int64_t hidden = 64;
  std::int64_t go_layers = 1;
  std::int64_t coexpression_layers = 1;
  std::string go_graph = "go";
  std::string coexpression_graph = "coexpression";
  DirectionMode direction = DirectionMode::smooth;
  double direction_k = 10.0;
  double direction_lambda = 0.1;
  double autofocus_gamma = 2.0;
  bool uncertainty = false;
  double uncertainty_reg = 1.0;
  double positional_weight = 0.2;
  std::string perturbation_features;  ///< a feature under [model.encoders] added to pert_emb; "" = none
};

/// Reads and checks the options; throws trellis::sdk::Error naming the option.
GearsConfig read_config(const sdk::Options& options);

}  // namespace trellis::gears
