#pragma once
// Where a component object came from, and the guard that puts it into every
// error the object throws: a user reading the message knows which plugin,
// which component and which config table to look at.

#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "trellis/plugin/plugin_error.hpp"

namespace trellis::core::plugin {

/// A component object's origin.
struct Origin {
  std::string table;     ///< the config table it was built from, e.g. "model.encoders.text"
  std::string key;       ///< lookup name, e.g. "encoder/text_lsa"
  std::string plugin;    ///< plugin name
  std::string version;   ///< plugin version
  nlohmann::json options = nlohmann::json::object();  ///< the table's options as the user wrote them

  /// "plugin 'grape' 1.0.0, encoder/text_lsa in [model.encoders.text] {dim = 64}"
  std::string describe() const;
};

/// Runs `call` (a call into a plugin object); an exception from it comes back
/// as a PluginError that names the origin and `action` ("encode", "fit", ...).
/// An error already attributed (a PluginError) passes through unchanged.
template <class Call>
decltype(auto) guarded(const Origin& origin, const char* action, Call&& call) {
  try {
    return std::forward<Call>(call)();
  } catch (const PluginError&) {
    throw;
  } catch (const std::exception& e) {
    throw PluginError(origin.plugin, origin.describe() + ": " + action + " failed: " + e.what());
  } catch (...) {
    throw PluginError(origin.plugin, origin.describe() + ": " + action + " failed (unknown exception)");
  }
}

}  // namespace trellis::core::plugin
