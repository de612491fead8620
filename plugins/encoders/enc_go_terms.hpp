#pragma once
// encoder/go_terms: a gene's GO annotation as an SVD-reduced term profile.

#include <memory>

namespace trellis::sdk {
class FeatureEncoder;
class Options;
class OptionSchema;
}  // namespace trellis::sdk

namespace trellis::encoders {

sdk::OptionSchema go_terms_options();
std::shared_ptr<sdk::FeatureEncoder> make_go_terms(const sdk::Options& options);

}  // namespace trellis::encoders
