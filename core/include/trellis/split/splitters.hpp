#pragma once
// The built-in splitters as components (`splitter/<name>`).

namespace trellis::sdk {
class Registrar;
}

namespace trellis::core::split {

/// Adds splitter/simulation, single, combo_seen0, combo_seen1, combo_seen2,
/// custom (option `file`), doubles and transfer.
void register_splitters(sdk::Registrar& registrar);

}  // namespace trellis::core::split
