// The simple baselines every model is reported beside (METHODS.md): the
// plugin's entry point and the registration of its predictors.
#include "baselines.hpp"
#include "trellis/sdk/predictor.hpp"
#include "trellis/sdk/plugin.hpp"

namespace trellis::baselines {

namespace {

void register_components(sdk::Registrar& r) {
  r.add<sdk::Predictor>("no_change", "Predicts the control mean for every perturbation", sdk::OptionSchema{},
                  &make_no_change);
  r.add<sdk::Predictor>("mean", "Predicts control mean + mean delta of all training perturbations", sdk::OptionSchema{},
                  &make_mean);
  r.add<sdk::Predictor>("perturbed_mean",
                  "Predicts the mean of all perturbed training cells, each cell weighted equally (the Virtual Cell "
                  "Challenge baseline)",
                  sdk::OptionSchema{}, &make_perturbed_mean);
  r.add<sdk::Predictor>("additive",
                  "Predicts control mean + the sum of the deltas of the perturbed genes' training singles "
                  "(genes without one add nothing)",
                  sdk::OptionSchema{}, &make_additive);
  r.add<sdk::Predictor>("linear",
                  "Ahlmann-Eltze's linear model: change ~ A K P^T + b with PCA (or encoder) gene and "
                  "perturbation embeddings and K by ridge regression",
                  linear_options(), &make_linear);
}

}  // namespace

}  // namespace trellis::baselines

TRELLIS_PLUGIN("baselines", "0.1.0", "Simple baselines reported beside every model", "MIT",
               trellis::baselines::register_components)
