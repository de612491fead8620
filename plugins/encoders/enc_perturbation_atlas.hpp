#pragma once
// encoder/perturbation_atlas: gene embeddings from a genome-wide knockdown
// screen's ranked DE genes (e.g. Replogle 2022).

#include <memory>

namespace trellis::sdk {
class FeatureEncoder;
class Options;
class OptionSchema;
}  // namespace trellis::sdk

namespace trellis::encoders {

sdk::OptionSchema perturbation_atlas_options();
std::shared_ptr<sdk::FeatureEncoder> make_perturbation_atlas(const sdk::Options& options);

}  // namespace trellis::encoders
