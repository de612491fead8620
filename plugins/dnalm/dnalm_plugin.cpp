// The dnalm plugin: GPN's convolutional DNA language model and the encoder
// that embeds genes with a trained one.
#include "encoder_dnalm.hpp"
#include "gpn_conv.hpp"
#include "trellis/sdk/plugin.hpp"

namespace trellis::dnalm {
namespace {
void register_components(sdk::Registrar& r) {
  r.add<sdk::DnaModel>("gpn_conv",
                       "GPN's convolutional masked language model over DNA: dilated convolution blocks with "
                       "residuals and layer norms, a masked-base head",
                       gpn_conv_options(), make_gpn_conv);
  r.add<sdk::FeatureEncoder>("dnalm",
                             "Genes embedded by a trained DNA language model: mean final hidden state over each "
                             "promoter, both strands averaged",
                             dnalm_encoder_options(), make_dnalm_encoder);
}
}  // namespace
}  // namespace trellis::dnalm

TRELLIS_PLUGIN("dnalm", "0.1.0", "DNA language models (GPN's convolutional architecture) and gene embeddings from them",
               "MIT", trellis::dnalm::register_components)
