#include "trellis/model/assembly.hpp"

#include <nlohmann/json.hpp>

#include "trellis/config/config.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/predictor.hpp"
#include "trellis/sdk/suggest.hpp"

namespace trellis::core::model {

namespace {

using sdk::Kind;

const std::vector<std::string> model_sections = {"encoders", "graphs", "relations", "gsl", "predictor"};

// A component table's `type` ("predictor/gears" or "gears") and its options.
std::pair<std::string, nlohmann::json> split_component(const toml::table& table, const std::string& where,
                                                       Kind kind) {
  const auto* type = table.get_as<std::string>("type");
  if (!type)
    throw sdk::Error("[" + where + "] needs a 'type' naming a " + sdk::to_string(kind) +
                     " component, e.g. type = \"" + sdk::to_string(kind) + "/NAME\" (see `trellis plugins list`)");
  std::string name = type->get();
  const auto slash = name.find('/');
  if (slash != std::string::npos) {
    const std::string prefix = name.substr(0, slash);
    if (prefix != sdk::to_string(kind))
      throw sdk::Error("[" + where + "] type = \"" + name + "\" is a " + prefix + " component, but this table needs a " +
                       sdk::to_string(kind) + " component");
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
std::shared_ptr<Interface> build(const plugin::PluginHost& host, Kind kind, const toml::node& node,
                                 const std::string& where, AssembledModel& model) {
  const auto [name, options] = split_component(require_table(node, where), where, kind);
  const auto& component = host.find(kind, name);
  auto object = host.create<Interface>(kind, name, options, "[" + where + "]");
  model.provenance.push_back({where, component.spec.key(), component.plugin->name, component.plugin->version});
  return object;
}

template <class Interface>
void build_named(const plugin::PluginHost& host, Kind kind, const toml::table& model_table, const std::string& section,
                 std::map<std::string, std::shared_ptr<Interface>>& out, AssembledModel& model) {
  const toml::node* node = model_table.get(section);
  if (!node) return;
  const std::string where = "model." + section;
  for (auto&& [key, value] : require_table(*node, where)) {
    const std::string name(key.str());
    out[name] = build<Interface>(host, kind, value, where + "." + name, model);
  }
}

std::vector<std::string> names_in(const toml::table& model_table, const std::string& section) {
  std::vector<std::string> names;
  if (const auto* t = model_table.get_as<toml::table>(section))
    for (auto&& [key, value] : *t) names.emplace_back(key.str());
  return names;
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
  if (req.structure_learner && !model_table.contains("gsl"))
    throw sdk::Error(predictor + " needs a structure learner: add [model.gsl] (e.g. type = \"gsl/none\")");
  if (req.relation_typer && !model_table.contains("relations"))
    throw sdk::Error(predictor + " needs a relation typer: add [model.relations]");
}

}  // namespace

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
  model.predictor = build<sdk::Predictor>(host, Kind::predictor, *predictor_node, "model.predictor", model);
  check_requirements(model.predictor->requirements(), *model_table, model.provenance.back().key);
  build_named(host, Kind::encoder, *model_table, "encoders", model.encoders, model);
  build_named(host, Kind::graph, *model_table, "graphs", model.graphs, model);
  if (const auto* node = model_table->get("relations"))
    model.relations = build<sdk::RelationTyper>(host, Kind::relation, *node, "model.relations", model);
  if (const auto* node = model_table->get("gsl"))
    model.gsl = build<sdk::StructureLearner>(host, Kind::gsl, *node, "model.gsl", model);
  return model;
}

}  // namespace trellis::core::model
