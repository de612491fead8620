#pragma once
// The host's training loop for neural predictors: mini-batches from the
// split, optimiser and schedule, clipping, early stopping on a validation
// metric, atomic checkpoints, resume, progress.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "trellis/sdk/metric.hpp"
#include "trellis/sdk/predictor.hpp"
#include "trellis/train/residual_target.hpp"

namespace trellis::core::train {

/// `defaults` overridden by the keys of an experiment's `[train]` table.
/// Unknown keys (nearest key suggested), wrong types and invalid values
/// (e.g. optimizer "sgd") are errors naming `where`, e.g. "[train]".
sdk::TrainingSettings resolve_settings(sdk::TrainingSettings defaults, const nlohmann::json& table,
                                       const std::string& where);
nlohmann::json to_json(const sdk::TrainingSettings& settings);

/// The settings of each of `model`'s training stages from an experiment's
/// `[train]` table: the stage named "fit" takes `[train]`'s own keys, every
/// stage takes its `[train.<stage>]` table, each over the stage's defaults.
/// A `[train.<name>]` that names no stage of the model is an error listing
/// its stages. `who` names the model in messages, e.g. "predictor/grape".
std::map<std::string, sdk::TrainingSettings> resolve_stage_settings(const std::vector<sdk::TrainingStage>& stages,
                                                                    const nlohmann::json& table,
                                                                    const std::string& who);

/// The learning rate of 1-based `epoch`: a pure function of the epoch and the
/// settings, so a resumed run follows the same schedule. "none": constant;
/// "step": lr * gamma^floor((epoch-1)/step_size); "cosine": annealed from lr
/// at epoch 1 towards 0 over `epochs`, lr * (1 + cos(pi (epoch-1) / epochs)) / 2.
double learning_rate_at(const sdk::TrainingSettings& settings, std::int64_t epoch);

/// The learning rate of 0-based global step `step` of `total` steps, with
/// TrainerOptions::schedule_by_step: lr * min(1, (step + 1) / warmup_steps),
/// times (1 + cos(pi * step / total)) / 2 when the schedule is "cosine".
double learning_rate_at_step(const sdk::TrainingSettings& settings, std::int64_t warmup_steps, std::int64_t step,
                             std::int64_t total);

/// Parameter initialisation happens in the predictor's prepare(), before
/// train() is called, so the host must seed torch (torch::manual_seed(seed))
/// before NeuralPredictor::fit for a reproducible run. Inside train() all
/// sampling and shuffling use a std::mt19937_64 seeded from `seed`.
struct TrainerOptions {
  /// The settings of the stage "fit" (the only stage of most models).
  sdk::TrainingSettings settings;
  /// The settings of other stages by name; a stage missing here trains
  /// with its TrainingStage::defaults.
  std::map<std::string, sdk::TrainingSettings> stage_settings;
  /// last.pt (every epoch: everything needed to resume) and best.pt (the best
  /// validation epoch's parameters, NeuralPredictor::save format) go here;
  /// created when missing. Empty: no checkpoints are written. A model with
  /// several stages gets one subfolder per stage.
  std::filesystem::path checkpoint_dir;
  /// Continue from checkpoint_dir/last.pt after its epoch: the parameters,
  /// optimiser moments, best score, patience count, the sampling generator
  /// and torch's CPU generator (dropout) are restored, so with the same
  /// settings, seed and thread count the result equals an uninterrupted run.
  /// (The cosine schedule depends on `epochs`: changing it on resume changes
  /// the remaining rates.)
  bool resume = false;
  std::uint64_t seed = 0;
  /// Scores the model on held-out data (the validation conditions with
  /// settings.early_stopping_metric; held-out windows for a DNA model);
  /// unset: the last epoch is kept and there is no early stopping.
  std::function<double(sdk::NeuralPredictor&)> validate;
  sdk::Direction direction = sdk::Direction::lower_is_better;
  bool progress_bar = false;             ///< a live bar (TTY) instead of periodic log lines
  /// Profile this many training steps of each stage (after two warm-up
  /// steps; step_profile.hpp) and write profile_dir/step_profile.tsv
  /// (step_profile_<stage>.tsv for stages other than "fit"); 0: none.
  std::int64_t profile_steps = 0;
  std::filesystem::path profile_dir;
  /// With `schedule_by_step`, the learning rate is set every step instead
  /// of every epoch (for long epochs, e.g. a DNA corpus): a linear warm-up
  /// over the first `warmup_steps` steps, then (schedule "cosine") annealed
  /// over every step of every epoch, or constant; see learning_rate_at_step.
  bool schedule_by_step = false;
  std::int64_t warmup_steps = 0;
  /// Per context, [G] added to every paired control cell (cell_pairs
  /// batches), so they centre on the residual target's reference
  /// (residual_target.hpp); empty: none.
  ControlShift control_shift;
};

/// What happened in one stage.
struct StageReport {
  std::string name;
  std::int64_t epochs_run = 0;
  std::int64_t best_epoch = -1;
  double best_score = 0.0;
  bool stopped_early = false;
  std::vector<double> train_loss;
  std::vector<double> val_score;
  std::map<std::string, std::vector<double>> scalars;  ///< per epoch, by name
};

/// What happened, for logs and the run directory. The top-level fields are
/// those of the last stage that validates (the stage that fits expression).
struct TrainingReport {
  std::int64_t epochs_run = 0;          ///< the last epoch completed (counting epochs before a resume)
  std::int64_t best_epoch = -1;          ///< 1-based; -1 without validation
  double best_score = 0.0;
  bool stopped_early = false;
  std::vector<double> train_loss;        ///< mean loss per epoch
  std::vector<double> val_score;         ///< per epoch, when validating
  std::map<std::string, std::vector<double>> scalars;  ///< per epoch, by name (StepOutput::scalars)
  std::vector<StageReport> stages;       ///< every stage, in order
  double seconds = 0.0;
};

class Trainer : public sdk::TrainingLoop {
 public:
  /// `context` must outlive the trainer (screen, train/val conditions, means).
  Trainer(const sdk::FitContext& context, TrainerOptions options);
  /// Trains; on return the model holds its best epoch's parameters (the
  /// last epoch's without validation). Throws sdk::Error when the loss
  /// becomes NaN or infinite (naming the epoch, step and conditions), and on
  /// resume when last.pt is missing or does not match the model.
  void train(sdk::NeuralPredictor& model) override;
  const TrainingReport& report() const { return report_; }

 private:
  struct StagePlan;
  StageReport train_stage(sdk::NeuralPredictor& model, const StagePlan& plan);

  const sdk::FitContext& context_;
  TrainerOptions options_;
  TrainingReport report_;
};

}  // namespace trellis::core::train
