#pragma once
// Shared helpers for tests of the shipped plugins: the build tree's plugins
// loaded once per process, and a capture of the SDK log.
#include <string>
#include <vector>

#include "trellis/plugin/plugin_host.hpp"
#include "trellis/sdk/log.hpp"

namespace trellis::test {

/// A host with every plugin of the build tree loaded (once per process).
const core::plugin::PluginHost& build_tree_plugins();

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
