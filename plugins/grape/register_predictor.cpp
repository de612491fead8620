// Registration of predictor/grape.
#include "grape.hpp"
#include "grape_model.hpp"
#include "grape_options.hpp"
#include "trellis/sdk/predictor.hpp"
#include "trellis/sdk/plugin.hpp"

namespace trellis::grape {

void register_predictor(sdk::Registrar& r) {
  r.add<sdk::Predictor>("grape",
                  "GRAPE: per-modality kernel-mapped gene encoders fused, a learned (GSL) relation-typed graph, one "
                  "2-layer GAT per relation summed, a perturbation input on the perturbed genes and a gene-specific "
                  "decoder added to the control",
                  grape_options(), &make_grape);
}

}  // namespace trellis::grape
