// Graph constructors over the gene universe (METHODS.md, GEARS): the
// plugin's entry point and the registration of its components.
#include "graphs.hpp"
#include "trellis/sdk/graph_constructor.hpp"
#include "trellis/sdk/plugin.hpp"

namespace trellis::graphs {

namespace {

void register_components(sdk::Registrar& r) {
  r.add<sdk::GraphConstructor>("go_similarity",
              "Jaccard similarity of GO term sets; per gene its top-k partners above a threshold (GEARS GO graph)",
              go_similarity_options(), &make_go_similarity);
  r.add<sdk::GraphConstructor>("coexpression",
              "|Pearson r| over training single-perturbation and control cells; per gene its top-k partners "
              "above a threshold (GEARS co-expression graph)",
              coexpression_options(), &make_coexpression);
  r.add<sdk::GraphConstructor>("prior_network",
              "Edges from a TSV network file (e.g. DoRothEA, TRRUST), filtered by confidence and sign",
              prior_network_options(), &make_prior_network);
  r.add<sdk::GraphConstructor>("multimodal_similarity",
              "GRAPE prior: per-modality cosine similarity of named features (plus their fusion), thresholded, "
              "averaged, row-normalised; top-k partners per gene, computed in row blocks",
              multimodal_similarity_options(), &make_multimodal_similarity);
}

}  // namespace

}  // namespace trellis::graphs

TRELLIS_PLUGIN("graphs", "0.1.0", "Gene-gene graphs: GO similarity, co-expression, prior networks, multimodal feature similarity", "MIT",
               trellis::graphs::register_components)
