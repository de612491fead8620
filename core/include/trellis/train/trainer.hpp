#pragma once
// The host's training loop for neural predictors: mini-batches from the
// split, optimiser and schedule, clipping, early stopping on a validation
// metric, atomic checkpoints, resume, progress.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "trellis/sdk/metric.hpp"
#include "trellis/sdk/predictor.hpp"

namespace trellis::core::train {

/// `defaults` overridden by the keys of an experiment's `[train]` table.
/// Unknown keys (nearest key suggested), wrong types and invalid values
/// (e.g. optimizer "sgd") are errors naming `where`, e.g. "[train]".
sdk::TrainingSettings resolve_settings(sdk::TrainingSettings defaults, const nlohmann::json& table,
                                       const std::string& where);
nlohmann::json to_json(const sdk::TrainingSettings& settings);

struct TrainerOptions {
  sdk::TrainingSettings settings;
  std::filesystem::path checkpoint_dir;  ///< last.pt and best.pt go here (created)
  bool resume = false;                   ///< continue from checkpoint_dir/last.pt
  std::uint64_t seed = 0;
  /// Scores the model on the validation conditions with
  /// settings.early_stopping_metric; unset or no validation conditions:
  /// the last epoch is kept and there is no early stopping.
  std::function<double(sdk::NeuralPredictor&)> validate;
  sdk::Direction direction = sdk::Direction::lower_is_better;
  bool progress_bar = false;             ///< a live bar (TTY) instead of periodic log lines
};

/// What happened, for logs and the run directory.
struct TrainingReport {
  std::int64_t epochs_run = 0;
  std::int64_t best_epoch = -1;          ///< 1-based; -1 without validation
  double best_score = 0.0;
  bool stopped_early = false;
  std::vector<double> train_loss;        ///< mean loss per epoch
  std::vector<double> val_score;         ///< per epoch, when validating
  double seconds = 0.0;
};

class Trainer : public sdk::TrainingLoop {
 public:
  /// `context` must outlive the trainer (screen, train/val conditions, means).
  Trainer(const sdk::FitContext& context, TrainerOptions options);
  /// Trains; on return the model holds its best epoch's parameters.
  void train(sdk::NeuralPredictor& model) override;
  const TrainingReport& report() const { return report_; }

 private:
  const sdk::FitContext& context_;
  TrainerOptions options_;
  TrainingReport report_;
};

}  // namespace trellis::core::train
