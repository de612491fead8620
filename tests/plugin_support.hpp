#pragma once
// Shared helpers for tests of the shipped plugins: the build tree's plugins
// and the annotated Norman 2019 screen, each loaded once per process, and a
// capture of the SDK log.
#include <filesystem>
#include <string>
#include <vector>

#include "trellis/data/screen_loader.hpp"
#include "trellis/plugin/plugin_host.hpp"
#include "trellis/sdk/log.hpp"

namespace trellis::test {

/// A host with every plugin of the build tree loaded (once per process).
const core::plugin::PluginHost& build_tree_plugins();

/// The plugins of the build tree plus the built-in readers and splitters:
/// what `trellis run` loads, for tests that prepare a whole experiment.
const core::plugin::PluginHost& run_host();

/// The Norman 2019 cells of the shared h5ad (`data` = TRELLIS_DATA_DIR),
/// annotated from the shared gene tables: 500 measured genes plus 30
/// perturbed-only ones, 530 in the universe. Loaded once per process.
const core::data::LoadedScreen& norman19_annotated(const std::filesystem::path& data);

/// Collects the SDK log's messages ("info: ..." / "warning: ...") while alive.
struct LogCapture {
  std::vector<std::string> messages;
  LogCapture() {
    sdk::set_log_sink([this](sdk::LogLevel level, const std::string& m) {
      messages.push_back((level == sdk::LogLevel::warning ? "warning: " : "info: ") + m);
    });
  }
  ~LogCapture() { sdk::set_log_sink({}); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  std::string all() const {
    std::string s;
    for (const auto& m : messages) s += m + "\n";
    return s;
  }
};

}  // namespace trellis::test
