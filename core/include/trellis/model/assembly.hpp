#pragma once
// Builds the components a config's [model] names, through the plugin host.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "trellis/plugin/plugin_host.hpp"

namespace trellis::sdk {
class FeatureEncoder;
class GraphConstructor;
class RelationTyper;
class StructureLearner;
class Predictor;
class Adapter;
class NetworkInferrer;
}  // namespace trellis::sdk

namespace trellis::core::model {

/// The components of one model, instantiated and checked against each other.
struct AssembledModel {
  std::map<std::string, std::shared_ptr<sdk::FeatureEncoder>> encoders;
  std::map<std::string, std::shared_ptr<sdk::GraphConstructor>> graphs;
  std::shared_ptr<sdk::RelationTyper> relations;  ///< [model.relations] with a type (typed graphs); else null
  std::shared_ptr<sdk::StructureLearner> gsl;     ///< [model.gsl] with a type; else null
  /// Every structure learner / relation typer by name: the single-table
  /// forms are "gsl" and "relations", [model.gsl.<name>] is "<name>".
  std::map<std::string, std::shared_ptr<sdk::StructureLearner>> learners;
  std::map<std::string, std::shared_ptr<sdk::RelationTyper>> typers;
  /// [model.adapters.<slot>] by slot.
  std::map<std::string, std::shared_ptr<sdk::Adapter>> adapters;
  std::shared_ptr<sdk::Predictor> predictor;
  std::shared_ptr<sdk::NetworkInferrer> network;  ///< [model.network] (task = "network"); else null
  std::vector<plugin::Origin> provenance;  ///< in build order

  /// The origin of the part built from config table `table` (e.g.
  /// "model.predictor"), for guarded() calls into it.
  const plugin::Origin& origin(const std::string& table) const;
};

/// Instantiates `[model.encoders.*]`, `[model.graphs.*]`, `[model.relations]`
/// (or named `[model.relations.*]`), `[model.gsl]` (or named `[model.gsl.*]`),
/// `[model.adapters.*]`, `[model.network]` and `[model.predictor]` (each a table with `type` and
/// the component's options). Fails before building anything when the
/// predictor requires a part the config does not provide, when an adapter
/// fills a slot the predictor does not have, or a table is misplaced.
AssembledModel assemble(const toml::table& config, const plugin::PluginHost& host);

}  // namespace trellis::core::model
