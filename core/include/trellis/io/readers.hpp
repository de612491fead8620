#pragma once
// The built-in dataset readers as components (`reader/h5ad`, `reader/10x`,
// `reader/mtx`), so third-party plugins can add formats beside them.

#include "trellis/sdk/plugin.hpp"

namespace trellis::core::io {

void register_readers(sdk::Registrar& registrar);

}  // namespace trellis::core::io
