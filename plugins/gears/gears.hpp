#pragma once
// The GEARS plugin's components: option schemas and factories.

#include <memory>

#include "trellis/sdk/options.hpp"

namespace trellis::sdk {
class Predictor;
class FeatureEncoder;
}  // namespace trellis::sdk

namespace trellis::gears {

sdk::OptionSchema gears_options();
std::shared_ptr<sdk::Predictor> make_gears(const sdk::Options& options);

sdk::OptionSchema learned_embedding_options();
std::shared_ptr<sdk::FeatureEncoder> make_learned_embedding(const sdk::Options& options);

}  // namespace trellis::gears
