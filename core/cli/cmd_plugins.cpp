// `trellis plugins list|info`: what can be composed, and with which options.
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/kind.hpp"
#include "trellis/sdk/suggest.hpp"

namespace trellis::core::cli {

namespace {

void print_component_options(const plugin::Component& component) {
  const auto& specs = component.spec.options.specs();
  if (specs.empty()) {
    std::cout << "    (no options)\n";
    return;
  }
  for (const auto& spec : specs) {
    std::cout << "    " << spec.name << " (" << sdk::describe(spec.type) << ")";
    if (spec.required)
      std::cout << ", required";
    else
      std::cout << " = " << spec.default_value.dump();
    const std::string constraints = spec.describe_constraints();
    if (!constraints.empty()) std::cout << ", " << constraints;
    std::cout << "\n        " << spec.help << "\n";
  }
}

void print_component(const plugin::Component& component) {
  std::cout << "  " << component.spec.key() << "\n      " << component.spec.description << "\n";
  print_component_options(component);
}

std::vector<std::string> kind_names() {
  std::vector<std::string> names;
  for (const auto& kind : sdk::declared_kinds()) names.push_back(kind.name);
  return names;
}

void list(const plugin::PluginHost& host, const std::string& kind_filter) {
  if (!kind_filter.empty() && !sdk::find_kind(kind_filter)) {
    std::string message = "--kind '" + kind_filter + "' is not a component kind.";
    const std::string near = sdk::closest_match(kind_filter, kind_names());
    if (!near.empty()) message += " Did you mean '" + near + "'?";
    throw sdk::Error(message + " Kinds: " + sdk::join(kind_names()));
  }
  std::cout << "Plugins (" << host.plugins().size() << "):\n";
  for (const auto& p : host.plugins())
    std::cout << "  " << p->name << " " << p->version << " [" << p->licence << "]  " << p->path.string() << "\n      "
              << p->description << "\n";
  // Every declared kind, also those without components, so a plugin author
  // sees what can be written.
  for (const auto& kind : sdk::declared_kinds()) {
    if (!kind_filter.empty() && kind.name != kind_filter) continue;
    const auto components = host.components(kind.name);
    std::cout << "\n" << kind.name << " (" << kind.interface << ": " << kind.description << "), "
              << components.size() << " component" << (components.size() == 1 ? "" : "s") << ":\n";
    for (const auto* c : components)
      std::cout << "  " << c->spec.key() << "  [" << c->plugin->name << "]  " << c->spec.description << "\n";
  }
  if (host.plugins().empty()) {
    std::cout << "\nNo plugins found. Search path:\n";
    for (const auto& e : host.search_path()) std::cout << "  " << e.path.string() << " [" << e.origin << "]\n";
  }
}

void info(const plugin::PluginHost& host, const std::string& name) {
  if (const auto* p = host.find_plugin(name)) {
    std::cout << "Plugin " << p->name << " " << p->version << "\n  licence: " << p->licence
              << "\n  library: " << p->path.string() << "\n  LibTorch: " << p->torch_version << "\n  "
              << p->description << "\n\nComponents:\n";
    for (const auto* c : host.components())
      if (c->plugin->name == p->name) print_component(*c);
    return;
  }
  // Otherwise a component: "kind/name", or a bare name if it is unambiguous.
  std::vector<const plugin::Component*> matches;
  for (const auto* c : host.components())
    if (c->spec.key() == name || c->spec.name == name) matches.push_back(c);
  if (matches.size() == 1) {
    std::cout << "Component " << matches[0]->spec.key() << " from plugin " << matches[0]->plugin->name << " "
              << matches[0]->plugin->version << "\n";
    print_component(*matches[0]);
    return;
  }
  if (matches.size() > 1) {
    std::string keys;
    for (const auto* c : matches) keys += " " + c->spec.key();
    throw sdk::Error("'" + name + "' is ambiguous; use one of:" + keys);
  }
  const auto slash = name.find('/');
  if (slash != std::string::npos)
    if (sdk::find_kind(name.substr(0, slash))) host.find(name.substr(0, slash), name);  // throws with the list
  std::string plugins;
  for (const auto& p : host.plugins()) plugins += " " + p->name;
  throw sdk::Error("no plugin or component named '" + name + "'. Plugins:" + (plugins.empty() ? " none" : plugins) +
                   ". Run `trellis plugins list` for all components.");
}

}  // namespace

void add_plugins_command(CLI::App& app, GlobalOptions& global) {
  auto* plugins = app.add_subcommand("plugins", "List the loaded plugins and their components");
  plugins->require_subcommand(1);

  auto* list_cmd = plugins->add_subcommand("list", "List plugins and components");
  auto kind = std::make_shared<std::string>();
  list_cmd->add_option("--kind", *kind, "Only components of this kind (" + sdk::join(kind_names()) + ")");
  list_cmd->callback([&global, kind] {
    configure_logging(global);
    list(*load_plugins(global, nullptr), *kind);
  });

  auto* info_cmd = plugins->add_subcommand("info", "Show a plugin or a component with its options and defaults");
  auto name = std::make_shared<std::string>();
  info_cmd->add_option("NAME", *name, "Plugin name, or component as kind/name")->required();
  info_cmd->callback([&global, name] {
    configure_logging(global);
    info(*load_plugins(global, nullptr), *name);
  });
}

}  // namespace trellis::core::cli
