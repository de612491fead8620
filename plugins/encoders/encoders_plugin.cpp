// General-purpose gene encoders: the plugin's entry point. Each encoder turns
// gene knowledge (descriptions, DNA, GO annotations, pretrained models,
// precomputed tables) into a [genes, d] feature for any predictor.
#include "encoders.hpp"
#include "trellis/sdk/encoder.hpp"
#include "trellis/sdk/plugin.hpp"
#include "ts_encoders.hpp"

namespace trellis::encoders {
namespace {

void register_components(sdk::Registrar& r) {
  // Knowledge encoders that end in a truncated SVD, and precomputed embeddings.
  r.add<sdk::FeatureEncoder>("text_lsa",
                "Gene descriptions (RefSeq summary, else name + GO term names) as TF-IDF of words and bigrams, "
                "reduced by truncated SVD",
                text_lsa_options(), &make_text_lsa);
  r.add<sdk::FeatureEncoder>("dna_kmer", "Canonical k-mer spectrum of each gene's DNA (promoter), reduced by truncated SVD",
                dna_kmer_options(), &make_dna_kmer);
  r.add<sdk::FeatureEncoder>("go_terms", "Gene x GO-term annotation matrix (binary or TF-IDF), reduced by truncated SVD",
                go_terms_options(), &make_go_terms);
  r.add<sdk::FeatureEncoder>("perturbation_atlas",
                "A genome-wide knockdown screen's ranked DE genes (e.g. Replogle 2022) as gene embeddings: which "
                "knockdowns a gene responds to, or its own knockdown's response; reduced by truncated SVD",
                perturbation_atlas_options(), &make_perturbation_atlas);
  r.add<sdk::FeatureEncoder>("precomputed", "Gene embeddings from a TSV/CSV or a saved 2-D tensor, matched by gene key",
                precomputed_options(), &make_precomputed);
  // Bring-your-own pretrained models (TorchScript): text, and DNA through the same machinery.
  register_torchscript_text(r);
  register_torchscript_dna(r);
}

}  // namespace
}  // namespace trellis::encoders

TRELLIS_PLUGIN("encoders", "0.1.0",
               "Gene encoders: text LSA, DNA k-mers, GO terms, precomputed tables, TorchScript text and DNA models",
               "MIT", trellis::encoders::register_components)
