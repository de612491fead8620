// The components of the hello plugin, each registered by its own file.
#pragma once

#include <trellis/sdk/plugin.hpp>

namespace hello {

void register_sign_relation(trellis::sdk::Registrar& registrar);
void register_graph_smoothing(trellis::sdk::Registrar& registrar);
void register_latent_shift(trellis::sdk::Registrar& registrar);

}  // namespace hello
