#pragma once
// The GRAPE plugin's parts, each family registering its own components.

namespace trellis::sdk {
class Registrar;
}

namespace trellis::grape {

void register_structure(sdk::Registrar& r);          // graph/multimodal_similarity, relation/biotype, gsl/*
void register_predictor(sdk::Registrar& r);          // predictor/grape

}  // namespace trellis::grape
