#pragma once
// predictor/grape: the GRAPE heterogeneous GNN (grape_model.cpp).

#include <memory>
#include <string>

namespace trellis::sdk {
class Options;
class Predictor;
}  // namespace trellis::sdk

namespace trellis::grape {

std::shared_ptr<sdk::Predictor> make_grape(const sdk::Options& options);

}  // namespace trellis::grape
