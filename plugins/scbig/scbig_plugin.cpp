// scBIG (arXiv 2602.04901): gene-relation clustering into modules, a
// module-aware cell autoencoder and conditional flow matching in its latent.
// The plugin's entry point and the registration of its components.
#include "scbig.hpp"
#include "trellis/sdk/gsl.hpp"
#include "trellis/sdk/plugin.hpp"
#include "trellis/sdk/predictor.hpp"

namespace trellis::scbig {

namespace {

void register_components(sdk::Registrar& r) {
  r.add<sdk::StructureLearner>(
      "module_clustering",
      "scBIG gene-relation clustering: k-means on gene embeddings, then balanced modules refined by entropic OT "
      "on cosine distance + prior-graph neighbours; outputs the gene x module assignment and a within-module graph",
      module_clustering_options(), &make_module_clustering);
  r.add<sdk::Predictor>(
      "scbig",
      "scBIG: a module-aware cell autoencoder (genes ordered by [model.gsl] modules, chunk tokens read by module "
      "tokens), then conditional flow matching from control to perturbed latents with minibatch OT pairing",
      scbig_options(), &make_scbig);
}

}  // namespace

}  // namespace trellis::scbig

TRELLIS_PLUGIN("scbig", "0.1.0", "scBIG gene-module clustering, module-aware autoencoder and latent flow matching",
               "MIT", trellis::scbig::register_components)
