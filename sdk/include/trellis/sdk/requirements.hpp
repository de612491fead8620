#pragma once
/// @file requirements.hpp
/// The named model parts a component needs from the config.

#include <string>
#include <vector>

#include "trellis/sdk/export.hpp"

namespace trellis::sdk {

/// The named parts a component needs (a predictor, a structure learner or
/// an adapter); model assembly checks that the config provides each before
/// anything is built.
struct TRELLIS_SDK_API Requirements {
  std::vector<std::string> features;   ///< names under [model.encoders]
  std::vector<std::string> graphs;     ///< names under [model.graphs]
  bool structure_learner = false;      ///< needs [model.gsl] (the learner named "gsl")
  bool relation_typer = false;         ///< needs [model.relations] (the typer named "relations")
  /// Named structure learners, each under `[model.gsl.<name>]`.
  std::vector<std::string> structure_learners;
  /// Named relation typers, each under `[model.relations.<name>]`.
  std::vector<std::string> relation_typers;
  /// Adapter slots this predictor exposes; the config may fill each with
  /// `[model.adapters.<slot>]` (an unfilled slot passes embeddings through).
  std::vector<std::string> adapter_slots;
};

}  // namespace trellis::sdk
