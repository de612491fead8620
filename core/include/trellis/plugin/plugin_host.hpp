#pragma once
// Finds, checks and loads plugin libraries, and creates their components.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>


#include "trellis/plugin/origin.hpp"
#include "trellis/plugin/plugin_error.hpp"
#include "trellis/sdk/plugin.hpp"

namespace boost::dll {
class shared_library;
}

namespace trellis::core::plugin {

/// A plugin library that passed every check and registered its components.
struct LoadedPlugin {
  std::string name;
  std::string version;
  std::string description;
  std::string licence;
  std::string torch_version;
  std::filesystem::path path;
  std::vector<std::string> components;  ///< lookup names, `<kind>/<name>`
  std::shared_ptr<boost::dll::shared_library> library;  ///< null for built-in components
};

/// A registered component and the plugin it lives in.
struct Component {
  // Declared first so it is destroyed last: the spec's factory is plugin code.
  std::shared_ptr<const LoadedPlugin> plugin;
  sdk::ComponentSpec spec;
};

/// One entry of the search path and where it came from (for messages).
struct SearchEntry {
  std::filesystem::path path;
  std::string origin;  ///< "config plugin_path", "TRELLIS_PLUGIN_PATH", "install directory", ...
};

/// The plugin host. Libraries stay loaded for the host's life, and every
/// object it creates holds its library alive, so it may outlive the host.
class PluginHost {
 public:
  PluginHost();
  ~PluginHost();
  PluginHost(const PluginHost&) = delete;
  PluginHost& operator=(const PluginHost&) = delete;

  /// Appends a directory or a library file to the search path; throws
  /// PluginError when it does not exist.
  void add_search_path(const std::filesystem::path& path, const std::string& origin);
  /// The standard search path: `config_paths` (relative to `config_dir`), then
  /// the entries of $TRELLIS_PLUGIN_PATH (':'-separated), then the install's
  /// plugin directory.
  void add_standard_search_path(const std::vector<std::string>& config_paths,
                                const std::filesystem::path& config_dir = {});
  const std::vector<SearchEntry>& search_path() const { return search_path_; }

  /// Loads every `trellis_*.so` in the search path (files named directly are
  /// loaded whatever their name). A library found twice is loaded once.
  void load_search_path();
  /// Loads one library: checks its PluginInfo, then registers its components.
  void load(const std::filesystem::path& file);
  /// Registers components compiled into the host itself (readers,
  /// splitters) as the plugin `name`, listed like any other.
  void add_builtin(const std::string& name, const std::string& description,
                   void (*register_components)(sdk::Registrar&));

  const std::vector<std::shared_ptr<const LoadedPlugin>>& plugins() const { return plugins_; }
  /// All components, or those of one kind, sorted by lookup name.
  std::vector<const Component*> components(const std::optional<std::string>& kind = std::nullopt) const;
  /// The plugin named `name`, or nullptr.
  const LoadedPlugin* find_plugin(const std::string& name) const;
  /// The component `<kind>/<name>`; throws PluginError listing what is available.
  const Component& find(const std::string& kind, const std::string& name) const;

  /// Checks `options` against the component's schema and constructs it; the
  /// kind is the one `Interface` declares. `where` names the config table,
  /// for messages. Exceptions thrown by the plugin come back as PluginError
  /// naming the plugin.
  /// When `origin` is given it receives where the object came from, for
  /// guarded() calls into it.
  template <class Interface>
  std::shared_ptr<Interface> create(const std::string& name, const nlohmann::json& options,
                                    const std::string& where, Origin* origin = nullptr) const {
    const Component& component = find(sdk::kind_name<Interface>(), name);
    if (origin) *origin = origin_of(component, options, where);
    // The registrar checked at load that the factory makes this kind's
    // interface, so the cast back from void is exact.
    return keep_library_alive(std::static_pointer_cast<Interface>(construct(component, options, where)),
                              component.plugin);
  }

  /// "plugin 'x' (/path/trellis_x.so), encoder/y" for messages.
  static std::string describe(const Component& component);
  /// The origin of an object made from `component` with `options` for the
  /// config table `where` ("[model.gsl]" or "model.gsl").
  static Origin origin_of(const Component& component, const nlohmann::json& options, const std::string& where);

 private:
  struct RegistrarImpl;
  void register_plugin(std::shared_ptr<LoadedPlugin> plugin, void (*register_components)(sdk::Registrar&));
  std::shared_ptr<void> construct(const Component& component, const nlohmann::json& options,
                                  const std::string& where) const;
  std::string available_summary(const std::string& kind) const;

  // The returned pointer owns a holder that releases the object first and
  // then the library, so plugin code is never unloaded under a live object.
  template <class Interface>
  static std::shared_ptr<Interface> keep_library_alive(std::shared_ptr<Interface> object,
                                                       std::shared_ptr<const LoadedPlugin> plugin) {
    struct Holder {
      std::shared_ptr<const LoadedPlugin> plugin;  // destroyed last
      std::shared_ptr<Interface> object;
    };
    auto holder = std::make_shared<Holder>(Holder{std::move(plugin), std::move(object)});
    Interface* raw = holder->object.get();
    return std::shared_ptr<Interface>(std::move(holder), raw);
  }

  std::vector<SearchEntry> search_path_;
  std::vector<std::shared_ptr<const LoadedPlugin>> plugins_;
  std::vector<Component> components_;
};

/// The install's plugin directory, found relative to the running executable
/// (`<prefix>/bin/trellis` -> `<prefix>/lib/trellis/plugins`).
std::filesystem::path installed_plugin_dir();

}  // namespace trellis::core::plugin
