// The network plugin: regulatory-network inferrers for task = "network".
#include "network.hpp"
#include "trellis/sdk/plugin.hpp"

namespace trellis::network {
namespace {
void register_components(sdk::Registrar& r) {
  r.add<sdk::NetworkInferrer>("coexpression",
                              "|Pearson or Spearman r| between measured genes over the control, training and "
                              "validation cells",
                              coexpression_options(), make_coexpression);
  r.add<sdk::NetworkInferrer>("random", "Uniformly random edge scores: the chance baseline (ratio metrics ~ 1)",
                              random_options(), make_random);
}
}  // namespace
}  // namespace trellis::network

TRELLIS_PLUGIN("network", "0.1.0", "Regulatory-network inference: co-expression and a random baseline", "MIT",
               trellis::network::register_components)
