// The keys of an experiment config that belong to the host rather than to a
// component, checked with the same OptionSchema / Options as components.
#include "trellis/experiment/config_schema.hpp"

#include "trellis/eval/settings.hpp"

#include <algorithm>
#include <iterator>

#include <ATen/Context.h>

#include "trellis/plugin/plugin_host.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/suggest.hpp"

namespace trellis::core::experiment {

namespace {

const char* kTopLevel = "the config's top level";

// The components whose options a table with this `type` holds: "kind/name"
// names one, a bare "name" every component of that name (the table's place
// in the config decides the kind, which this rule need not know: it only asks
// whether a key is a path).
std::vector<const plugin::Component*> components_named(const plugin::PluginHost& host, const std::string& type) {
  std::vector<const plugin::Component*> out;
  for (const plugin::Component* c : host.components())
    if (c->spec.key() == type || c->spec.name == type) out.push_back(c);
  return out;
}

const plugin::Component* splitter_named(const plugin::PluginHost& host, const std::string& type) {
  for (const plugin::Component* c : components_named(host, type))
    if (c->spec.key() == "splitter/" + c->spec.name) return c;
  return nullptr;
}

}  // namespace

sdk::OptionSchema top_level_schema() {
  const auto defaults = config::defaults();
  return sdk::OptionSchema{}
      .add("seed", std::int64_t{0}, "seed of everything random in the run (split, initialisation, batches)")
      .min(0)
      .add("threads", std::int64_t{0}, "CPU threads; 0 = all cores (--threads overrides it)")
      .min(0)
      .add("task", "response", "response (predict expression responses) or network (infer and score a network)")
      .choices({"response", "network"})
      .add("device", "cpu", "where tensors live: \"cpu\" (\"cuda\" only on a build with CUDA)")
      .add("plugin_path", std::vector<std::string>{},
           "folders or libraries searched for plugins before TRELLIS_PLUGIN_PATH and the install's plugin folder")
      .add_table("data", "the dataset (see the config reference)")
      .add_table("model", "the model's components: encoders, graphs, relations, gsl, predictor")
      .add_table("train", "training settings overriding the predictor's defaults")
      .add_table("eval", "metrics, headline columns and sampled cells")
      .add_table("split", "the splitter (type), its seed and options");
}

std::vector<std::string> supported_devices() {
  std::vector<std::string> out{"cpu"};
  // Decided by the LibTorch this binary links: CUDA kernels are there or not.
  if (at::hasCUDA()) out.push_back("cuda");
  return out;
}

void check_top_level(const toml::table& config) {
  const sdk::Options o(top_level_schema(), config::to_json(config), kTopLevel);
  const std::string device = o.get_string("device");
  const auto devices = supported_devices();
  if (std::find(devices.begin(), devices.end(), device) == devices.end()) {
    std::string quoted;
    for (const auto& d : devices) quoted += (quoted.empty() ? "\"" : ", \"") + d + "\"";
    throw o.invalid("device", (devices.size() == 1 ? "must be " : "must be one of ") + quoted + " in this build" +
                                  (at::hasCUDA() ? "" : " (its LibTorch has no CUDA)"));
  }
}

SplitSettings split_settings(const toml::table& config, const plugin::PluginHost& host) {
  SplitSettings s;
  s.seed = static_cast<std::uint64_t>(config["seed"].value_or<std::int64_t>(0));
  const auto* table = config.get_as<toml::table>("split");
  nlohmann::json values = table ? config::to_json(*table) : nlohmann::json::object();
  sdk::OptionSchema schema;
  schema.add("type", s.type, "the splitter: simulation, single, combo_seen0/1/2, custom, doubles, ...")
      .add("seed", std::int64_t{0}, "seed of the split; default: the experiment's seed")
      .min(0);
  // The splitter's own options join the schema, so an unknown key is checked
  // against every key [split] can hold.
  const auto type_value = values.find("type");
  const std::string type = type_value != values.end() && type_value->is_string() ? type_value->get<std::string>() : s.type;
  const plugin::Component* splitter = splitter_named(host, type);
  if (splitter) schema.extend(splitter->spec.options);
  // An unknown splitter is reported when it is created, with the names of
  // those there are; its options cannot be checked before.
  nlohmann::json checked = values;
  if (!splitter)
    for (auto it = checked.begin(); it != checked.end();)
      it = schema.find(it.key()) ? std::next(it) : checked.erase(it);
  const sdk::Options o(schema, checked, splitter ? "[split] (" + splitter->spec.key() + ")" : "[split]");
  s.type = o.get_string("type");
  if (o.is_set("seed")) s.seed = static_cast<std::uint64_t>(o.get_int("seed"));
  s.options = values;
  s.options.erase("type");
  s.options.erase("seed");
  return s;
}

void check_config(const toml::table& config, const plugin::PluginHost& host) {
  check_top_level(config);
  eval::parse_eval_settings(config);
  split_settings(config, host);
}

config::PathRule path_rule(const plugin::PluginHost* host) {
  return [host](const std::string& table, const std::string& type, const std::string& key) {
    // The host's own path values (declared as paths in their schemas too).
    if (table.empty()) return key == "plugin_path";
    if (table == "data") return key == "path" || key == "truth_network" || key == "regulators";
    if (table == "data.annotation") return key == "dir";
    if (!host || type.empty()) return false;
    for (const plugin::Component* c : components_named(*host, type)) {
      const sdk::OptionSpec* spec = c->spec.options.find(key);
      if (spec && spec->type == sdk::OptionType::path) return true;
    }
    return false;
  };
}

}  // namespace trellis::core::experiment
