#pragma once
// The scBIG plugin's component factories (registered in scbig_plugin.cpp).
#include <memory>

#include "trellis/sdk/options.hpp"

namespace trellis::sdk {
class StructureLearner;
class Predictor;
}  // namespace trellis::sdk

namespace trellis::scbig {

sdk::OptionSchema module_clustering_options();
std::shared_ptr<sdk::StructureLearner> make_module_clustering(const sdk::Options& options);
sdk::OptionSchema scbig_options();
std::shared_ptr<sdk::Predictor> make_scbig(const sdk::Options& options);

}  // namespace trellis::scbig
