#include "trellis/sdk/fit_support.hpp"

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

}  // namespace trellis::sdk
