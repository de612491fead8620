#pragma once
// Errors raised while loading plugins or inside plugin code.

#include <stdexcept>
#include <string>

namespace trellis::core::plugin {

/// A plugin failed to load, or threw from its own code. The message names the
/// plugin (and its file when known), so a user knows whom to blame.
class PluginError : public std::runtime_error {
 public:
  PluginError(const std::string& plugin, const std::string& message)
      : std::runtime_error(message), plugin_(plugin) {}
  const std::string& plugin() const { return plugin_; }

 private:
  std::string plugin_;
};

}  // namespace trellis::core::plugin
