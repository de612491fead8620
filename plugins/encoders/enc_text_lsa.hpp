#pragma once
// encoder/text_lsa: latent semantic analysis of gene descriptions.

#include <memory>

namespace trellis::sdk {
class FeatureEncoder;
class Options;
class OptionSchema;
}  // namespace trellis::sdk

namespace trellis::encoders {

sdk::OptionSchema text_lsa_options();
std::shared_ptr<sdk::FeatureEncoder> make_text_lsa(const sdk::Options& options);

}  // namespace trellis::encoders
