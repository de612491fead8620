#pragma once
// encoder/torchscript_text and encoder/torchscript_dna: gene features from a
// user-supplied pretrained language model exported as TorchScript.

namespace trellis::sdk {
class Registrar;
}

namespace trellis::encoders {

void register_torchscript_text(sdk::Registrar& r);
void register_torchscript_dna(sdk::Registrar& r);

}  // namespace trellis::encoders
