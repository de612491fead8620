// GRAPE (Chi et al., IJCAI 2025): the plugin's entry point.
#include "grape.hpp"
#include "trellis/sdk/plugin.hpp"

namespace trellis::grape {
namespace {
void register_components(sdk::Registrar& r) {
  register_structure(r);
  register_predictor(r);
}
}  // namespace
}  // namespace trellis::grape

TRELLIS_PLUGIN("grape", "0.1.0",
               "GRAPE: multimodal similarity prior, biotype relations, structure learning, heterogeneous GNN", "MIT",
               trellis::grape::register_components)
