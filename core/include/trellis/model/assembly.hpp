#pragma once
// Builds the components a config's [model] names, through the plugin host.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "trellis/plugin/plugin_host.hpp"

namespace trellis::core::model {

/// Where a component came from: its config table and lookup name.
struct Provenance {
  std::string table;    ///< e.g. "model.encoders.text"
  std::string key;      ///< e.g. "encoder/text_lsa"
  std::string plugin;   ///< plugin name
  std::string version;  ///< plugin version
};

/// The components of one model, instantiated and checked against each other.
struct AssembledModel {
  std::map<std::string, std::shared_ptr<sdk::FeatureEncoder>> encoders;
  std::map<std::string, std::shared_ptr<sdk::GraphConstructor>> graphs;
  std::shared_ptr<sdk::RelationTyper> relations;
  std::shared_ptr<sdk::StructureLearner> gsl;
  std::shared_ptr<sdk::Predictor> predictor;
  std::vector<Provenance> provenance;  ///< in build order
};

/// Instantiates `[model.encoders.*]`, `[model.graphs.*]`, `[model.relations]`,
/// `[model.gsl]` and `[model.predictor]` (each a table with `type` and the
/// component's options). Fails before building anything when the predictor
/// requires a part the config does not provide, or a table is misplaced.
AssembledModel assemble(const toml::table& config, const plugin::PluginHost& host);

}  // namespace trellis::core::model
