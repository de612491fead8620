// Registration of this family's components (filled in as they land).
#include "grape.hpp"
#include "trellis/sdk/plugin.hpp"
#include "ts_encoders.hpp"

namespace trellis::grape {

void register_text_encoders(sdk::Registrar& r) {
  // Bring-your-own pretrained models (TorchScript): text, and DNA through the same machinery.
  register_torchscript_text(r);
  register_torchscript_dna(r);
}

}  // namespace trellis::grape
