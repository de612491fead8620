#pragma once
// The gene encoders' factories and option schemas, registered by
// encoders_plugin.cpp (the TorchScript ones: ts_encoders.hpp).

#include <memory>

namespace trellis::sdk {
class FeatureEncoder;
class Options;
class OptionSchema;
}  // namespace trellis::sdk

namespace trellis::encoders {

/// encoder/text_lsa: latent semantic analysis of gene descriptions (enc_text_lsa.cpp).
sdk::OptionSchema text_lsa_options();
std::shared_ptr<sdk::FeatureEncoder> make_text_lsa(const sdk::Options& options);

/// encoder/dna_kmer: canonical k-mer spectra of gene sequences, reduced by SVD (enc_dna_kmer.cpp).
sdk::OptionSchema dna_kmer_options();
std::shared_ptr<sdk::FeatureEncoder> make_dna_kmer(const sdk::Options& options);

/// encoder/go_terms: a gene's GO annotation as an SVD-reduced term profile (enc_go_terms.cpp).
sdk::OptionSchema go_terms_options();
std::shared_ptr<sdk::FeatureEncoder> make_go_terms(const sdk::Options& options);

/// encoder/precomputed: gene embeddings computed elsewhere, from a file (enc_precomputed.cpp).
sdk::OptionSchema precomputed_options();
std::shared_ptr<sdk::FeatureEncoder> make_precomputed(const sdk::Options& options);

/// encoder/perturbation_atlas: gene embeddings from a genome-wide knockdown
/// screen's ranked DE genes, e.g. Replogle 2022 (enc_perturbation_atlas.cpp).
sdk::OptionSchema perturbation_atlas_options();
std::shared_ptr<sdk::FeatureEncoder> make_perturbation_atlas(const sdk::Options& options);

}  // namespace trellis::encoders
