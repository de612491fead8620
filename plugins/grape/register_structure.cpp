// Registration of GRAPE's relation typer and structure learners.
#include "grape.hpp"
#include "gsl_learners.hpp"
#include "relation_biotype.hpp"
#include "trellis/sdk/gsl.hpp"
#include "trellis/sdk/relation.hpp"
#include "trellis/sdk/plugin.hpp"

namespace trellis::grape {

void register_structure(sdk::Registrar& r) {
  r.add<sdk::RelationTyper>("biotype",
                 "GRAPE relation types from the endpoints' biotypes: C-C, C-N, N-N (binary) or finer biotype pairs",
                 biotype_relations_options(), &make_biotype_relations);
  r.add<sdk::StructureLearner>("grape_khop",
            "GRAPE k-hop structure learner: GCN layers over the prior, multi-head cosine per layer, softmax-fused, "
            "row-normalised, thresholded top-k graph; regulariser mean((G - prior)^2)",
            grape_khop_options(), &make_grape_khop);
  r.add<sdk::StructureLearner>("knn_attention",
            "Learned kNN graph: cosine in a trainable projection, softmax attention over each node's k neighbours, "
            "optionally mixed with the prior",
            knn_attention_options(), &make_knn_attention);
}

}  // namespace trellis::grape
