// The [train] table: a model's training defaults overridden key by key,
// checked like component options (types and declared ranges).
#include <string>
#include <vector>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/options.hpp"
#include "trellis/train/trainer.hpp"

namespace trellis::core::train {

namespace {

sdk::OptionSchema schema_for(const sdk::TrainingSettings& d) {
  sdk::OptionSchema s;
  s.add("epochs", d.epochs, "passes over the training conditions")
      .min(1)
      .add("batch_size", d.batch_size, "rows per mini-batch")
      .min(1)
      .add("optimizer", d.optimizer, "adam or adamw")
      .choices({"adam", "adamw"})
      .add("learning_rate", d.learning_rate, "initial learning rate")
      .greater_than(0)
      .add("weight_decay", d.weight_decay, "L2 penalty (adam) or decoupled decay (adamw)")
      .min(0)
      .add("schedule", d.schedule, "learning-rate schedule: none, step or cosine")
      .choices({"none", "step", "cosine"})
      .add("step_size", d.step_size, "step schedule: epochs between decays")
      .min(1)
      .add("gamma", d.gamma, "step schedule: decay factor")
      .greater_than(0)
      .add("clip_norm", d.clip_norm, "clip the global gradient norm to this; 0 turns clipping off")
      .min(0)
      .add("early_stopping_metric", d.early_stopping_metric, "metric scored on the validation conditions")
      .add("patience", d.patience, "epochs without improvement before stopping; 0 never stops early")
      .min(0)
      .add("max_cells_per_condition", d.max_cells_per_condition,
           "cell_pairs: at most this many cells per condition per epoch; 0 = all")
      .min(0);
  return s;
}

}  // namespace

sdk::TrainingSettings resolve_settings(sdk::TrainingSettings defaults, const nlohmann::json& table,
                                       const std::string& where) {
  const sdk::OptionSchema schema = schema_for(defaults);
  const sdk::Options o(schema, table, where);
  // The model's defaults the user kept pass the same checks as the user's
  // values, under a name that says where a bad one came from.
  nlohmann::json kept = o.values();
  for (const auto& spec : schema.specs())
    if (o.is_set(spec.name)) kept.erase(spec.name);
  const sdk::Options checked_defaults(schema, kept, where + " (the model's default; set it there to override it)");
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
  if (s.early_stopping_metric.empty())
    throw o.invalid("early_stopping_metric", "must name a metric, e.g. \"mse_de\"");
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
