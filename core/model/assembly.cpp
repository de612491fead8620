#include "trellis/model/assembly.hpp"

#include <nlohmann/json.hpp>

#include "trellis/config/config.hpp"
#include "trellis/sdk/adapter.hpp"
#include "trellis/sdk/encoder.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/graph_constructor.hpp"
#include "trellis/sdk/network.hpp"
#include "trellis/sdk/predictor.hpp"
#include "trellis/sdk/suggest.hpp"

namespace trellis::core::model {

namespace {

const std::vector<std::string> model_sections = {"encoders", "graphs", "relations", "gsl", "adapters", "predictor", "network"};

// A component table's `type` ("predictor/gears" or "gears") and its options.
std::pair<std::string, nlohmann::json> split_component(const toml::table& table, const std::string& where,
                                                       const std::string& kind) {
  const auto* type = table.get_as<std::string>("type");
  if (!type)
    throw sdk::Error("[" + where + "] needs a 'type' naming a " + kind +
                     " component, e.g. type = \"" + kind + "/NAME\" (see `trellis plugins list`)");
  std::string name = type->get();
  const auto slash = name.find('/');
  if (slash != std::string::npos) {
    const std::string prefix = name.substr(0, slash);
    if (prefix != kind)
      throw sdk::Error("[" + where + "] type = \"" + name + "\" is a " + prefix + " component, but this table needs a " +
                       kind + " component");
    name = name.substr(slash + 1);
  }
  nlohmann::json options = config::to_json(table);
  options.erase("type");
  return {name, options};
}

const toml::table& require_table(const toml::node& node, const std::string& where) {
  const auto* table = node.as_table();
  if (!table) throw sdk::Error("[" + where + "] must be a table with a 'type' key");
  return *table;
}

template <class Interface>
std::shared_ptr<Interface> build(const plugin::PluginHost& host, const toml::node& node, const std::string& where,
                                 AssembledModel& model) {
  const std::string kind = sdk::kind_name<Interface>();
  const auto [name, options] = split_component(require_table(node, where), where, kind);
  plugin::Origin origin;
  auto object = host.create<Interface>(name, options, "[" + where + "]", &origin);
  model.provenance.push_back(std::move(origin));
  return object;
}

template <class Interface>
void build_named(const plugin::PluginHost& host, const toml::table& model_table, const std::string& section,
                 std::map<std::string, std::shared_ptr<Interface>>& out, AssembledModel& model) {
  const toml::node* node = model_table.get(section);
  if (!node) return;
  const std::string where = "model." + section;
  for (auto&& [key, value] : require_table(*node, where)) {
    const std::string name(key.str());
    out[name] = build<Interface>(host, value, where + "." + name, model);
  }
}

// [model.<section>] is one component when it has a `type` (named after the
// section), else a table of named components.
bool is_single(const toml::table& model_table, const std::string& section) {
  const auto* t = model_table.get_as<toml::table>(section);
  return t && t->contains("type");
}

std::vector<std::string> names_in(const toml::table& model_table, const std::string& section) {
  std::vector<std::string> names;
  if (is_single(model_table, section)) return {section};
  if (const auto* t = model_table.get_as<toml::table>(section))
    for (auto&& [key, value] : *t) names.emplace_back(key.str());
  return names;
}

// A section that is either one component or named ones (gsl, relations).
template <class Interface>
void build_single_or_named(const plugin::PluginHost& host, const toml::table& model_table, const std::string& section,
                           std::shared_ptr<Interface>& single, std::map<std::string, std::shared_ptr<Interface>>& named,
                           AssembledModel& model) {
  const toml::node* node = model_table.get(section);
  if (!node) return;
  if (is_single(model_table, section)) {
    single = build<Interface>(host, *node, "model." + section, model);
    named[section] = single;
    return;
  }
  build_named<Interface>(host, model_table, section, named, model);
}

void check_adapter_slots(const sdk::Requirements& req, const toml::table& model_table, const std::string& predictor) {
  for (const auto& slot : names_in(model_table, "adapters")) {
    if (std::find(req.adapter_slots.begin(), req.adapter_slots.end(), slot) != req.adapter_slots.end()) continue;
    std::string message = "[model.adapters." + slot + "]: " + predictor + " has no adapter slot '" + slot + "'";
    const std::string near = sdk::closest_match(slot, req.adapter_slots);
    if (!near.empty()) message += " (did you mean [model.adapters." + near + "]?)";
    throw sdk::Error(message + "; its slots: " +
                     (req.adapter_slots.empty() ? std::string("none (it takes no adapters)") : sdk::join(req.adapter_slots)));
  }
}

void check_requirements(const sdk::Requirements& req, const toml::table& model_table, const std::string& predictor) {
  auto missing = [&](const std::vector<std::string>& needed, const std::string& section) {
    const auto have = names_in(model_table, section);
    for (const auto& name : needed)
      if (std::find(have.begin(), have.end(), name) == have.end())
        throw sdk::Error(predictor + " needs [model." + section + "." + name + "], which the config does not define (it has: " +
                         (have.empty() ? std::string("none") : sdk::join(have)) + ")");
  };
  missing(req.features, "encoders");
  missing(req.graphs, "graphs");
  missing(req.structure_learners, "gsl");
  missing(req.relation_typers, "relations");
  if (req.structure_learner && !model_table.contains("gsl"))
    throw sdk::Error(predictor + " needs a structure learner: add [model.gsl] (e.g. type = \"gsl/none\")");
  if (req.relation_typer && !model_table.contains("relations"))
    throw sdk::Error(predictor + " needs a relation typer: add [model.relations]");
}

}  // namespace

const plugin::Origin& AssembledModel::origin(const std::string& table) const {
  for (const auto& entry : provenance)
    if (entry.table == table) return entry;
  throw sdk::Error("no model part was built from [" + table + "]");
}

AssembledModel assemble(const toml::table& config, const plugin::PluginHost& host) {
  const auto* model_table = config.get_as<toml::table>("model");
  if (!model_table) throw sdk::Error("the config has no [model] table");
  for (auto&& [key, value] : *model_table) {
    const std::string name(key.str());
    if (std::find(model_sections.begin(), model_sections.end(), name) == model_sections.end()) {
      std::string message = "unknown key 'model." + name + "'.";
      const std::string near = sdk::closest_match(name, model_sections);
      if (!near.empty()) message += " Did you mean 'model." + near + "'?";
      throw sdk::Error(message + " Known keys: " + sdk::join(model_sections) + ".");
    }
  }
  const toml::node* predictor_node = model_table->get("predictor");
  if (!predictor_node)
    throw sdk::Error("the config has no [model.predictor]; add one, e.g. [model.predictor] type = \"predictor/no_change\"");

  AssembledModel model;
  // The predictor comes first so its requirements are checked before the
  // (possibly expensive) parts it depends on are built.
  model.predictor = build<sdk::Predictor>(host, *predictor_node, "model.predictor", model);
  const sdk::Requirements requirements = model.predictor->requirements();
  check_requirements(requirements, *model_table, model.provenance.back().key);
  check_adapter_slots(requirements, *model_table, model.provenance.back().key);
  build_named<sdk::FeatureEncoder>(host, *model_table, "encoders", model.encoders, model);
  build_named<sdk::GraphConstructor>(host, *model_table, "graphs", model.graphs, model);
  build_single_or_named<sdk::RelationTyper>(host, *model_table, "relations", model.relations, model.typers, model);
  build_single_or_named<sdk::StructureLearner>(host, *model_table, "gsl", model.gsl, model.learners, model);
  build_named<sdk::Adapter>(host, *model_table, "adapters", model.adapters, model);
  // Learners and adapters name the encoders and graphs they read in their
  // options; a name the config lacks fails here, before any training.
  for (const auto& [name, learner] : model.learners)
    check_requirements(learner->requirements(), *model_table,
                       "[model." + std::string(name == "gsl" ? "gsl" : "gsl." + name) + "]");
  for (const auto& [slot, adapter] : model.adapters)
    check_requirements(adapter->requirements(), *model_table, "[model.adapters." + slot + "]");
  if (const toml::node* network = model_table->get("network"))
    model.network = build<sdk::NetworkInferrer>(host, *network, "model.network", model);
  return model;
}

}  // namespace trellis::core::model
