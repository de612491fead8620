#include "trellis/plugin/plugin_host.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include <boost/dll/shared_library.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <torch/version.h>

#include "trellis/sdk/suggest.hpp"

namespace trellis::core::plugin {

namespace fs = std::filesystem;

namespace {

bool is_plugin_file_name(const fs::path& path) {
  const std::string name = path.filename().string();
  return name.rfind("trellis_", 0) == 0 && path.extension() == ".so";
}

std::string text_or(const char* text, const char* fallback) { return text ? text : fallback; }

}  // namespace

// The registrar handed to one plugin's register_components: it tags each
// component with that plugin and rejects duplicates across libraries.
struct PluginHost::RegistrarImpl : sdk::Registrar {
  PluginHost& host;
  std::shared_ptr<LoadedPlugin> plugin;
  std::vector<Component> added;

  RegistrarImpl(PluginHost& h, std::shared_ptr<LoadedPlugin> p) : host(h), plugin(std::move(p)) {}

  void add(sdk::ComponentSpec spec) override {
    const std::string key = spec.key();
    const std::string who = "plugin '" + plugin->name + "' (" + plugin->path.string() + ")";
    if (spec.name.empty() || spec.name.find('/') != std::string::npos)
      throw PluginError(plugin->name, who + " registers an invalid component name '" + spec.name + "'");
    const std::optional<sdk::KindInfo> kind = sdk::find_kind(spec.kind);
    if (!kind) {
      std::vector<std::string> kinds;
      for (const auto& k : sdk::declared_kinds()) kinds.push_back(k.name);
      throw PluginError(plugin->name, who + " registers '" + key + "' under the undeclared kind '" + spec.kind +
                                          "'; declared kinds: " + sdk::join(kinds) +
                                          " (declare a new kind with TRELLIS_SDK_KIND in its interface's header)");
    }
    if (spec.interface_type != kind->type_id)
      throw PluginError(plugin->name, who + " registers '" + key + "' with a factory of another interface than " +
                                          kind->interface + ", the interface of kind '" + kind->name +
                                          "'; register it with Registrar::add<" + kind->interface + ">");
    if (!spec.factory) throw PluginError(plugin->name, who + " registers '" + key + "' without a factory");
    auto same_key = [&](const Component& c) { return c.spec.key() == key; };
    const auto existing = std::find_if(host.components_.begin(), host.components_.end(), same_key);
    if (existing != host.components_.end())
      throw PluginError(plugin->name, "duplicate component '" + key + "': registered by plugin '" +
                                          existing->plugin->name + "' (" + existing->plugin->path.string() +
                                          ") and again by plugin '" + plugin->name + "' (" +
                                          plugin->path.string() + "); remove one of the two libraries from the "
                                          "plugin search path");
    if (std::any_of(added.begin(), added.end(), same_key))
      throw PluginError(plugin->name, "plugin '" + plugin->name + "' (" + plugin->path.string() +
                                          ") registers '" + key + "' twice");
    plugin->components.push_back(key);
    added.push_back(Component{plugin, std::move(spec)});
  }
};

PluginHost::PluginHost() = default;

PluginHost::~PluginHost() {
  // Factories are plugin code: drop them before the libraries they live in.
  components_.clear();
  plugins_.clear();
}

void PluginHost::add_search_path(const fs::path& path, const std::string& origin) {
  std::error_code ec;
  if (!fs::exists(path, ec))
    throw PluginError("", "plugin path '" + path.string() + "' (from " + origin +
                              ") does not exist; fix or remove it");
  search_path_.push_back({path, origin});
}

void PluginHost::add_standard_search_path(const std::vector<std::string>& config_paths,
                                          const fs::path& config_dir) {
  for (const auto& entry : config_paths) {
    fs::path p(entry);
    if (p.is_relative() && !config_dir.empty()) p = config_dir / p;
    add_search_path(p, "config plugin_path");
  }
  if (const char* env = std::getenv("TRELLIS_PLUGIN_PATH")) {
    std::string list(env);
    std::size_t start = 0;
    while (start <= list.size()) {
      const std::size_t end = std::min(list.find(':', start), list.size());
      if (end > start) add_search_path(list.substr(start, end - start), "TRELLIS_PLUGIN_PATH");
      start = end + 1;
    }
  }
  const fs::path installed = installed_plugin_dir();
  std::error_code ec;
  if (fs::is_directory(installed, ec)) search_path_.push_back({installed, "install directory"});
}

void PluginHost::load_search_path() {
  std::vector<fs::path> seen;
  auto load_once = [&](const fs::path& file) {
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(file, ec);
    if (ec) canonical = file;
    if (std::find(seen.begin(), seen.end(), canonical) != seen.end()) return;
    seen.push_back(canonical);
    load(canonical);
  };
  for (const auto& entry : search_path_) {
    if (!fs::is_directory(entry.path)) {
      load_once(entry.path);
      continue;
    }
    std::vector<fs::path> files;
    for (const auto& item : fs::directory_iterator(entry.path))
      if (item.is_regular_file() && is_plugin_file_name(item.path())) files.push_back(item.path());
    std::sort(files.begin(), files.end());  // deterministic order, so duplicate errors are too
    for (const auto& file : files) load_once(file);
  }
}

void PluginHost::load(const fs::path& file) {
  const std::string where = "'" + file.string() + "'";
  std::error_code ec;
  if (!fs::exists(file, ec)) throw PluginError("", "plugin library " + where + " does not exist");

  auto library = std::make_shared<boost::dll::shared_library>();
  try {
    // rtld_now: a missing symbol fails here, not in the middle of a run.
    library->load(file, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    throw PluginError("", "cannot load plugin library " + where + ": " + e.what());
  }
  if (!library->has(TRELLIS_PLUGIN_ENTRY_SYMBOL))
    throw PluginError("", "library " + where + " is not a Trellis plugin: it has no entry point '" +
                              TRELLIS_PLUGIN_ENTRY_SYMBOL + "' (declare one with TRELLIS_PLUGIN(...))");
  auto& entry = library->get_alias<sdk::PluginEntry>(TRELLIS_PLUGIN_ENTRY_SYMBOL);
  const sdk::PluginInfo* info = entry();
  if (!info) throw PluginError("", "plugin library " + where + " returned no PluginInfo");

  const std::string name = text_or(info->name, "(unnamed)");
  const std::string who = "plugin '" + name + "' (" + file.string() + ")";
  if (info->sdk_abi_version != sdk::sdk_abi_version)
    throw PluginError(name, who + ": SDK ABI version mismatch: got " + std::to_string(info->sdk_abi_version) +
                                ", supported " + std::to_string(sdk::sdk_abi_version) +
                                "; rebuild the plugin against this Trellis SDK");
  const std::string torch = text_or(info->torch_version, "(none)");
  if (torch != TORCH_VERSION)
    throw PluginError(name, who + ": LibTorch version mismatch: got " + torch + ", supported " + TORCH_VERSION +
                                "; rebuild the plugin against the LibTorch Trellis uses");
  if (info->cxx11_abi != _GLIBCXX_USE_CXX11_ABI)
    throw PluginError(name, who + ": C++ ABI flag mismatch: got _GLIBCXX_USE_CXX11_ABI=" +
                                std::to_string(info->cxx11_abi) + ", supported " +
                                std::to_string(_GLIBCXX_USE_CXX11_ABI));
  if (!info->register_components) throw PluginError(name, who + ": PluginInfo has no register_components");
  if (const LoadedPlugin* other = find_plugin(name))
    throw PluginError(name, "duplicate plugin '" + name + "': loaded from " + other->path.string() + " and " +
                                file.string() + "; remove one of the two libraries from the plugin search path");

  auto plugin = std::make_shared<LoadedPlugin>();
  plugin->name = name;
  plugin->version = text_or(info->version, "");
  plugin->description = text_or(info->description, "");
  plugin->licence = text_or(info->licence, "");
  plugin->torch_version = torch;
  plugin->path = file;
  plugin->library = std::move(library);

  register_plugin(std::move(plugin), info->register_components);
  spdlog::debug("loaded plugin '{}' {} from {} ({} components)", name, plugins_.back()->version, file.string(),
                plugins_.back()->components.size());
}

void PluginHost::add_builtin(const std::string& name, const std::string& description,
                             void (*register_components)(sdk::Registrar&)) {
  auto plugin = std::make_shared<LoadedPlugin>();
  plugin->name = name;
  plugin->version = TRELLIS_SDK_VERSION;
  plugin->description = description;
  plugin->licence = "MIT";
  plugin->torch_version = TORCH_VERSION;
  plugin->path = "(built in)";
  register_plugin(std::move(plugin), register_components);
}

void PluginHost::register_plugin(std::shared_ptr<LoadedPlugin> plugin, void (*register_components)(sdk::Registrar&)) {
  const std::string who = "plugin '" + plugin->name + "' (" + plugin->path.string() + ")";
  RegistrarImpl registrar(*this, plugin);
  try {
    register_components(registrar);
  } catch (const PluginError&) {
    throw;
  } catch (const std::exception& e) {
    throw PluginError(plugin->name, who + ": register_components failed: " + e.what());
  } catch (...) {
    throw PluginError(plugin->name, who + ": register_components failed (unknown exception)");
  }
  for (auto& component : registrar.added) components_.push_back(std::move(component));
  plugins_.push_back(std::move(plugin));
}

std::vector<const Component*> PluginHost::components(const std::optional<std::string>& kind) const {
  std::vector<const Component*> out;
  for (const auto& c : components_)
    if (!kind || c.spec.kind == *kind) out.push_back(&c);
  std::sort(out.begin(), out.end(), [](const Component* a, const Component* b) { return a->spec.key() < b->spec.key(); });
  return out;
}

const LoadedPlugin* PluginHost::find_plugin(const std::string& name) const {
  for (const auto& p : plugins_)
    if (p->name == name) return p.get();
  return nullptr;
}

std::string PluginHost::available_summary(const std::string& kind) const {
  std::vector<std::string> names;
  for (const Component* c : components(kind)) names.push_back(c->spec.key());
  std::vector<std::string> loaded;
  for (const auto& p : plugins_) loaded.push_back(p->name + " (" + p->path.string() + ")");
  std::vector<std::string> path;
  for (const auto& e : search_path_) path.push_back(e.path.string() + " [" + e.origin + "]");
  return "Available " + kind + " components: " + (names.empty() ? "none" : sdk::join(names)) +
         ". Loaded plugins: " + (loaded.empty() ? "none" : sdk::join(loaded)) +
         ". Plugin search path: " + (path.empty() ? "empty" : sdk::join(path)) +
         ". Add a directory with plugin_path in the config or TRELLIS_PLUGIN_PATH.";
}

const Component& PluginHost::find(const std::string& kind, const std::string& name) const {
  // Accept both "gears" and "predictor/gears" where the kind is known.
  std::string short_name = name;
  const std::string prefix = kind + "/";
  if (short_name.rfind(prefix, 0) == 0) short_name = short_name.substr(prefix.size());
  for (const auto& c : components_)
    if (c.spec.kind == kind && c.spec.name == short_name) return c;

  std::vector<std::string> names;
  for (const Component* c : components(kind)) names.push_back(c->spec.name);
  std::string message = "unknown " + kind + " component '" + prefix + short_name + "'.";
  const std::string near = sdk::closest_match(short_name, names);
  if (!near.empty()) message += " Did you mean '" + prefix + near + "'?";
  throw PluginError("", message + " " + available_summary(kind));
}

std::shared_ptr<void> PluginHost::construct(const Component& component, const nlohmann::json& options,
                                            const std::string& where) const {
  const sdk::Options checked(component.spec.options, options, where + " (" + component.spec.key() + ")");
  std::shared_ptr<void> object;
  try {
    object = component.spec.factory(checked);
  } catch (const std::exception& e) {
    throw PluginError(component.plugin->name, describe(component) + " failed to construct: " + e.what());
  } catch (...) {
    throw PluginError(component.plugin->name, describe(component) + " failed to construct (unknown exception)");
  }
  if (!object) throw PluginError(component.plugin->name, describe(component) + " returned no object");
  return object;
}

std::string PluginHost::describe(const Component& component) {
  return "plugin '" + component.plugin->name + "' (" + component.plugin->path.string() + "), " +
         component.spec.key();
}

Origin PluginHost::origin_of(const Component& component, const nlohmann::json& options, const std::string& where) {
  std::string table = where;
  if (table.size() >= 2 && table.front() == '[' && table.back() == ']') table = table.substr(1, table.size() - 2);
  return Origin{table, component.spec.key(), component.plugin->name, component.plugin->version,
                options.is_object() ? options : nlohmann::json::object()};
}

fs::path installed_plugin_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  return exe.parent_path().parent_path() / TRELLIS_PLUGIN_SUBDIR;
}

}  // namespace trellis::core::plugin
