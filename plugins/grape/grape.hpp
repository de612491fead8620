#pragma once
// The GRAPE plugin's parts, each family registering its own components.

namespace trellis::sdk {
class Registrar;
}

namespace trellis::grape {

void register_text_encoders(sdk::Registrar& r);      // encoder/text_lsa, encoder/torchscript_text
void register_knowledge_encoders(sdk::Registrar& r); // encoder/dna_kmer, torchscript_dna, go_terms, precomputed
void register_structure(sdk::Registrar& r);          // graph/multimodal_similarity, relation/biotype, gsl/*
void register_predictor(sdk::Registrar& r);          // predictor/grape

}  // namespace trellis::grape
