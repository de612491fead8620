// The [train] table: a model's training defaults overridden key by key,
// checked like component options, then checked for values that make sense.
#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/options.hpp"
#include "trellis/train/trainer.hpp"

namespace trellis::core::train {

namespace {

const std::vector<std::string> kOptimizers = {"adam", "adamw"};
const std::vector<std::string> kSchedules = {"none", "step", "cosine"};

sdk::OptionSchema schema_for(const sdk::TrainingSettings& d) {
  sdk::OptionSchema s;
  s.add("epochs", d.epochs, "passes over the training conditions")
      .add("batch_size", d.batch_size, "rows per mini-batch")
      .add("optimizer", d.optimizer, "adam or adamw")
      .add("learning_rate", d.learning_rate, "initial learning rate")
      .add("weight_decay", d.weight_decay, "L2 penalty (adam) or decoupled decay (adamw)")
      .add("schedule", d.schedule, "learning-rate schedule: none, step or cosine")
      .add("step_size", d.step_size, "step schedule: epochs between decays")
      .add("gamma", d.gamma, "step schedule: decay factor")
      .add("clip_norm", d.clip_norm, "clip the global gradient norm to this; 0 turns clipping off")
      .add("early_stopping_metric", d.early_stopping_metric, "metric scored on the validation conditions")
      .add("patience", d.patience, "epochs without improvement before stopping; 0 never stops early")
      .add("max_cells_per_condition", d.max_cells_per_condition,
           "cell_pairs: at most this many cells per condition per epoch; 0 = all");
  return s;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// Checks values the schema's types cannot: a bad value names the key, what is
// allowed, and whether it came from the config or the model's defaults.
class Checker {
 public:
  Checker(const sdk::Options& options, std::string where) : options_(options), where_(std::move(where)) {}

  template <typename T>
  void require(bool ok, const std::string& key, const T& value, const std::string& allowed) const {
    if (ok) return;
    std::ostringstream got;
    got << value;
    const bool from_config = options_.is_set(key);
    throw sdk::Error(where_ + "." + key + " must be " + allowed + " (got " + got.str() + ")" +
                     (from_config ? "" : "; the value is the model's default, set " + where_ + "." + key +
                                             " to override it"));
  }

  void one_of(const std::string& key, const std::string& value, const std::vector<std::string>& allowed) const {
    const bool ok = std::find(allowed.begin(), allowed.end(), value) != allowed.end();
    require(ok, key, "\"" + value + "\"", "one of " + join(allowed));
  }

 private:
  const sdk::Options& options_;
  std::string where_;
};

}  // namespace

sdk::TrainingSettings resolve_settings(sdk::TrainingSettings defaults, const nlohmann::json& table,
                                       const std::string& where) {
  const sdk::Options o(schema_for(defaults), table, where);
  sdk::TrainingSettings s;
  s.epochs = o.get_int("epochs");
  s.batch_size = o.get_int("batch_size");
  s.optimizer = o.get_string("optimizer");
  s.learning_rate = o.get_double("learning_rate");
  s.weight_decay = o.get_double("weight_decay");
  s.schedule = o.get_string("schedule");
  s.step_size = o.get_int("step_size");
  s.gamma = o.get_double("gamma");
  s.clip_norm = o.get_double("clip_norm");
  s.early_stopping_metric = o.get_string("early_stopping_metric");
  s.patience = o.get_int("patience");
  s.max_cells_per_condition = o.get_int("max_cells_per_condition");

  const Checker check(o, where);
  check.require(s.epochs >= 1, "epochs", s.epochs, "at least 1");
  check.require(s.batch_size >= 1, "batch_size", s.batch_size, "at least 1");
  check.one_of("optimizer", s.optimizer, kOptimizers);
  check.require(s.learning_rate > 0, "learning_rate", s.learning_rate, "positive");
  check.require(s.weight_decay >= 0, "weight_decay", s.weight_decay, "zero or positive");
  check.one_of("schedule", s.schedule, kSchedules);
  check.require(s.step_size >= 1, "step_size", s.step_size, "at least 1");
  check.require(s.gamma > 0, "gamma", s.gamma, "positive");
  check.require(s.clip_norm >= 0, "clip_norm", s.clip_norm, "zero (off) or positive");
  check.require(!s.early_stopping_metric.empty(), "early_stopping_metric", "\"\"",
                "the name of a metric, e.g. \"mse_de\"");
  check.require(s.patience >= 0, "patience", s.patience, "zero (never stop early) or positive");
  check.require(s.max_cells_per_condition >= 0, "max_cells_per_condition", s.max_cells_per_condition,
                "zero (all cells) or positive");
  return s;
}

nlohmann::json to_json(const sdk::TrainingSettings& s) {
  return nlohmann::json{{"epochs", s.epochs},
                        {"batch_size", s.batch_size},
                        {"optimizer", s.optimizer},
                        {"learning_rate", s.learning_rate},
                        {"weight_decay", s.weight_decay},
                        {"schedule", s.schedule},
                        {"step_size", s.step_size},
                        {"gamma", s.gamma},
                        {"clip_norm", s.clip_norm},
                        {"early_stopping_metric", s.early_stopping_metric},
                        {"patience", s.patience},
                        {"max_cells_per_condition", s.max_cells_per_condition}};
}

}  // namespace trellis::core::train
