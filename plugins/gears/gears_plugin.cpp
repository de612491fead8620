// GEARS (Roohani et al., Nat Biotech 2024): the plugin's entry point and the
// registration of its components.
#include "gears.hpp"
#include "trellis/sdk/encoder.hpp"
#include "trellis/sdk/predictor.hpp"
#include "trellis/sdk/plugin.hpp"

namespace trellis::gears {

namespace {

void register_components(sdk::Registrar& r) {
  r.add<sdk::Predictor>("gears",
                  "GEARS: gene embeddings over a co-expression graph plus perturbation embeddings over a GO "
                  "graph, decoded per gene with a cross-gene state",
                  gears_options(), &make_gears);
  r.add<sdk::FeatureEncoder>("learned_embedding",
                "A [universe, dim] table drawn from N(0, 1) (torch's embedding init), seeded; the initial "
                "value of a trainable table a model registers as its own parameter",
                learned_embedding_options(), &make_learned_embedding);
}

}  // namespace

}  // namespace trellis::gears

TRELLIS_PLUGIN("gears", "0.1.0", "GEARS perturbation-response predictor and learned gene embeddings", "MIT",
               trellis::gears::register_components)
