// Settings of each training stage from the [train] table: the stage "fit"
// reads [train]'s own keys, every stage its [train.<stage>] table.
#include <set>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/suggest.hpp"
#include "trellis/train/trainer.hpp"

namespace trellis::core::train {

std::map<std::string, sdk::TrainingSettings> resolve_stage_settings(const std::vector<sdk::TrainingStage>& stages,
                                                                    const nlohmann::json& table,
                                                                    const std::string& who) {
  std::vector<std::string> names;
  for (const auto& stage : stages) {
    if (std::find(names.begin(), names.end(), stage.name) != names.end())
      throw sdk::Error(who + " declares the training stage '" + stage.name + "' twice");
    names.push_back(stage.name);
  }
  nlohmann::json own = nlohmann::json::object();
  std::map<std::string, nlohmann::json> per_stage;
  for (const auto& [key, value] : table.items()) {
    if (!value.is_object()) {
      own[key] = value;
      continue;
    }
    if (std::find(names.begin(), names.end(), key) == names.end()) {
      std::string message = "[train." + key + "]: " + who + " has no training stage '" + key + "'";
      const std::string near = sdk::closest_match(key, names);
      if (!near.empty()) message += " (did you mean [train." + near + "]?)";
      throw sdk::Error(message + "; its stages: " + sdk::join(names));
    }
    per_stage[key] = value;
  }
  const bool has_fit = std::find(names.begin(), names.end(), "fit") != names.end();
  if (!has_fit && !own.empty())
    throw sdk::Error("[train]: " + who + " has no stage 'fit' for [train]'s own keys (" + own.begin().key() +
                     ", ...); set them per stage under [train.<stage>], stages: " + sdk::join(names));

  std::map<std::string, sdk::TrainingSettings> out;
  for (const auto& stage : stages) {
    nlohmann::json keys = stage.name == "fit" ? own : nlohmann::json::object();
    const auto it = per_stage.find(stage.name);
    if (it != per_stage.end())
      for (const auto& [key, value] : it->second.items()) keys[key] = value;
    const std::string where = it != per_stage.end() ? "[train." + stage.name + "]" : "[train]";
    out[stage.name] = resolve_settings(stage.defaults, keys, where);
  }
  return out;
}

}  // namespace trellis::core::train
