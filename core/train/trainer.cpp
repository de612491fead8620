// The epoch loop: batches, optimiser steps, validation, early stopping,
// checkpoints and resume.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <map>
#include <optional>
#include <sstream>

#include <ATen/ATen.h>
#include <spdlog/spdlog.h>
#include <torch/types.h>  // clip_grad.h uses torch::Tensor without including it
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>

#include "checkpoint.hpp"
#include "progress.hpp"
#include "trellis/sdk/adapter.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/train/batches.hpp"
#include "trellis/train/step_profile.hpp"
#include "trellis/train/trainer.hpp"

namespace trellis::core::train {

namespace {

namespace fs = std::filesystem;

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const std::vector<at::Tensor>& params,
                                                        const sdk::TrainingSettings& s) {
  if (s.optimizer == "adamw")
    return std::make_unique<torch::optim::AdamW>(
        params, torch::optim::AdamWOptions(s.learning_rate).weight_decay(s.weight_decay));
  return std::make_unique<torch::optim::Adam>(
      params, torch::optim::AdamOptions(s.learning_rate).weight_decay(s.weight_decay));
}

std::string text(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

// Names the conditions of the batch whose loss went bad, so the user can look
// at their data first.
sdk::Error bad_loss(double loss, std::int64_t epoch, std::int64_t step, const sdk::Batch& batch,
                    const sdk::Screen& screen, double lr) {
  std::vector<std::int64_t> seen;
  for (std::int64_t c : batch.condition)
    if (std::find(seen.begin(), seen.end(), c) == seen.end()) seen.push_back(c);
  constexpr std::size_t kShown = 5;
  std::string names;
  for (std::size_t i = 0; i < seen.size() && i < kShown; ++i)
    names += (i ? ", " : "") + screen.conditions.at(static_cast<std::size_t>(seen[i])).name;
  if (seen.size() > kShown) names += ", ... (" + std::to_string(seen.size()) + " conditions)";
  return sdk::Error("training stopped: the loss is " + std::string(std::isnan(loss) ? "NaN" : "infinite") +
                    " at epoch " + std::to_string(epoch) + ", step " + std::to_string(step) +
                    (seen.empty() ? std::string() : " (batch of conditions " + names + ")") + "; try a lower learning_rate (now " + text(lr) +
                    ") or clip_norm");
}

// Runs one step of the model; its errors (e.g. a NaN it detects in its own
// tensors) gain the stage, epoch and step they happened at.
template <class Step>
sdk::StepOutput where(const std::string& label, std::int64_t epoch, std::int64_t step, Step&& run) {
  try {
    return run();
  } catch (const sdk::Error& e) {
    throw sdk::Error(label + "epoch " + std::to_string(epoch) + ", step " +
                     std::to_string(step) + ": " + e.what());
  }
}

bool better(double score, double best, sdk::Direction direction) {
  return direction == sdk::Direction::lower_is_better ? score < best : score > best;
}

std::string rng_text(const std::mt19937_64& rng) {
  std::ostringstream out;
  out << rng;
  return out.str();
}

}  // namespace

double learning_rate_at(const sdk::TrainingSettings& s, std::int64_t epoch) {
  const double e = static_cast<double>(epoch - 1);
  if (s.schedule == "step") return s.learning_rate * std::pow(s.gamma, std::floor(e / static_cast<double>(s.step_size)));
  if (s.schedule == "cosine")
    return s.learning_rate * 0.5 * (1.0 + std::cos(M_PI * e / static_cast<double>(s.epochs)));
  return s.learning_rate;
}

double learning_rate_at_step(const sdk::TrainingSettings& s, std::int64_t warmup_steps, std::int64_t step,
                             std::int64_t total) {
  double rate = s.learning_rate;
  if (warmup_steps > 0) rate *= std::min(1.0, static_cast<double>(step + 1) / static_cast<double>(warmup_steps));
  if (s.schedule == "cosine" && total > 0)
    rate *= 0.5 * (1.0 + std::cos(M_PI * static_cast<double>(step) / static_cast<double>(total)));
  return rate;
}

Trainer::Trainer(const sdk::FitContext& context, TrainerOptions options)
    : context_(context), options_(std::move(options)) {}

// One stage as the loop runs it.
struct Trainer::StagePlan {
  sdk::TrainingStage stage;
  sdk::TrainingSettings settings;
  fs::path dir;          // its checkpoints; empty: none
  bool resume = false;   // continue from dir/last.pt
  std::string label;     // "" for a single stage, else "stage 'x': "
};

namespace {

// "regulariser 0.0123, kl 1.2" for the progress line.
std::string scalars_text(const std::map<std::string, double>& sums, double rows) {
  std::string out;
  for (const auto& [name, sum] : sums) {
    std::ostringstream value;
    value.precision(5);
    value << sum / rows;
    out += (out.empty() ? "" : ", ") + name + " " + value.str();
  }
  return out;
}

bool has_checkpoint(const fs::path& dir) {
  std::error_code ec;
  return !dir.empty() && fs::exists(dir / "last.pt", ec);
}

}  // namespace

void Trainer::train(sdk::NeuralPredictor& model) {
  const auto started = std::chrono::steady_clock::now();
  report_ = TrainingReport{};
  const std::vector<sdk::TrainingStage> stages = model.stages();
  if (stages.empty()) throw sdk::Error("the model declares no training stages");
  std::vector<StagePlan> plans;
  for (const auto& stage : stages) {
    StagePlan plan;
    plan.stage = stage;
    const auto found = options_.stage_settings.find(stage.name);
    // Settings built by hand (not through the config) are checked here too.
    plan.settings = resolve_settings(stage.name == "fit"               ? options_.settings
                                     : found != options_.stage_settings.end() ? found->second
                                                                              : stage.defaults,
                                     nlohmann::json::object(), "[train" + (stage.name == "fit" ? "" : "." + stage.name) + "]");
    if (!options_.checkpoint_dir.empty())
      plan.dir = stages.size() == 1 ? options_.checkpoint_dir : options_.checkpoint_dir / stage.name;
    if (stages.size() > 1) plan.label = "stage '" + stage.name + "': ";
    plans.push_back(std::move(plan));
  }

  // Resuming continues in the last stage that wrote a checkpoint; the stages
  // before it are done and their result is in that checkpoint's parameters.
  std::size_t first = 0;
  if (options_.resume) {
    if (options_.checkpoint_dir.empty()) throw sdk::Error("cannot resume: no checkpoint folder was given");
    std::size_t last = plans.size() - 1;
    while (last > 0 && !has_checkpoint(plans[last].dir)) --last;
    first = last;
    plans[first].resume = true;
  }
  for (std::size_t i = first; i < plans.size(); ++i) {
    StageReport stage = train_stage(model, plans[i]);
    // A finished stage's checkpoint hands its parameters on: resume then
    // starts the next stage.
    if (stage.epochs_run < 0 && i + 1 < plans.size()) {
      plans[i + 1].resume = has_checkpoint(plans[i + 1].dir);
      continue;
    }
    report_.stages.push_back(std::move(stage));
  }
  // The headline figures are the expression-fitting stage's: "fit", else the last.
  const StageReport* main = nullptr;
  for (const auto& stage : report_.stages)
    if (stage.name == "fit") main = &stage;
  if (!main && !report_.stages.empty()) main = &report_.stages.back();
  if (main) {
    report_.epochs_run = main->epochs_run;
    report_.best_epoch = main->best_epoch;
    report_.best_score = main->best_score;
    report_.stopped_early = main->stopped_early;
    report_.train_loss = main->train_loss;
    report_.val_score = main->val_score;
    report_.scalars = main->scalars;
  }
  report_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

StageReport Trainer::train_stage(sdk::NeuralPredictor& model, const StagePlan& plan) {
  const sdk::TrainingSettings& s = plan.settings;
  const fs::path& dir = plan.dir;
  if (!dir.empty()) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw sdk::Error("cannot create the checkpoint folder '" + dir.string() + "': " + ec.message());
  }
  model.enter_stage(plan.stage.name);
  BatchSource source(context_, plan.stage.batch_mode, s.batch_size, s.max_cells_per_condition, plan.stage.items,
                     options_.control_shift);
  const std::vector<at::Tensor> params = model.stage_parameters(plan.stage.name);
  if (params.empty())
    throw sdk::Error(plan.label + "the model has no parameters to train; create them in prepare()");
  const auto optimizer = make_optimizer(params, s);
  // The host sets `validate` only when there is something to validate on.
  const bool validating = plan.stage.validate && static_cast<bool>(options_.validate);

  std::mt19937_64 rng(options_.seed);
  TrainState state;
  std::vector<at::Tensor> best;  // the best epoch's parameters, kept in memory
  if (plan.resume) {
    state = load_checkpoint(dir / "last.pt", model, *optimizer);
    if (state.finished) {
      spdlog::info("{}finished before the interruption; its checkpoint '{}' is restored", plan.label,
                   (dir / "last.pt").string());
      StageReport done;
      done.epochs_run = -1;  // tells train() the stage was only restored
      return done;
    }
    std::istringstream in(state.rng);
    in >> rng;
    if (in.fail()) throw sdk::Error("cannot resume: the random state in '" + (dir / "last.pt").string() + "' is damaged");
    if (validating && state.best_epoch > 0) best = read_saved_state(dir / "best.pt", model);
    spdlog::info("{}resuming after epoch {} of {} from '{}'", plan.label, state.epoch, s.epochs,
                 (dir / "last.pt").string());
  } else if (!plan.label.empty()) {
    spdlog::info("{}{} epochs", plan.label, s.epochs);
  }

  const auto patience_exhausted = [&] { return validating && s.patience > 0 && state.since_best >= s.patience; };
  Progress progress(options_.progress_bar, s.epochs, state.epoch + 1, plan.label);
  bool stopped = patience_exhausted();
  StepProfiler profiler(options_.profile_steps);
  for (std::int64_t epoch = state.epoch + 1; epoch <= s.epochs && !stopped; ++epoch) {
    const auto epoch_start = std::chrono::steady_clock::now();
    // The schedule is a function of the epoch alone, so a resumed run
    // follows it exactly.
    const double lr = learning_rate_at(s, epoch);
    double last_lr = lr;  // what the epoch ended with, for the log
    for (auto& group : optimizer->param_groups()) group.options().set_lr(lr);
    model.train();
    for (const auto& [slot, adapter] : context_.adapters)
      if (adapter) adapter->start_epoch(epoch);
    source.plan_epoch(rng);
    const std::int64_t steps = source.num_batches();
    progress.start_epoch(epoch, steps);
    double loss_sum = 0.0;
    std::int64_t rows = 0;
    std::map<std::string, double> scalar_sums;
    for (std::int64_t b = 0; b < steps; ++b) {
      if (options_.schedule_by_step) {
        // A function of the global step alone, so a resumed run follows it exactly.
        const double step_lr = learning_rate_at_step(s, options_.warmup_steps, (epoch - 1) * steps + b, s.epochs * steps);
        for (auto& group : optimizer->param_groups()) group.options().set_lr(step_lr);
        last_lr = step_lr;
      }
      sdk::Batch batch = source.batch(b);
      const bool profiling = profiler.next();
      if (profiling) profiler.begin();
      optimizer->zero_grad();
      const sdk::StepOutput out = where(plan.label, epoch, b + 1, [&] {
        model.pair_batch(batch);
        return model.training_step(batch);
      });
      if (!out.loss.defined() || out.loss.numel() != 1)
        throw sdk::Error(plan.label + "training_step() must return a scalar loss");
      const double value = out.loss.item<double>();
      if (!std::isfinite(value)) throw bad_loss(value, epoch, b + 1, batch, *context_.screen, lr);
      out.loss.backward();
      // Gradients are complete here: the one place a data-parallel run
      // would reduce them across processes.
      if (s.clip_norm > 0) torch::nn::utils::clip_grad_norm_(params, s.clip_norm);
      optimizer->step();
      if (profiling) profiler.end();
      const auto size = static_cast<double>(batch.size());
      loss_sum += value * size;
      for (const auto& [name, v] : out.scalars) scalar_sums[name] += v * size;
      rows += batch.size();
      progress.step(b + 1, loss_sum / static_cast<double>(rows), scalars_text(scalar_sums, static_cast<double>(rows)));
    }
    const double train_loss = rows > 0 ? loss_sum / static_cast<double>(rows) : 0.0;
    state.train_loss.push_back(train_loss);
    for (const auto& [name, sum] : scalar_sums) state.scalars[name].push_back(rows > 0 ? sum / static_cast<double>(rows) : 0.0);

    std::optional<double> score;
    if (validating) {
      score = options_.validate(model);
      state.val_score.push_back(*score);
      const bool improved =
          !std::isnan(*score) && (state.best_epoch < 0 || better(*score, state.best_score, options_.direction));
      if (improved) {
        state.best_epoch = epoch;
        state.best_score = *score;
        state.since_best = 0;
        best = snapshot(model);
        if (!dir.empty()) model.sdk::NeuralPredictor::save((dir / "best.pt").string());
      } else {
        ++state.since_best;
      }
    }
    state.epoch = epoch;
    state.rng = rng_text(rng);
    if (!dir.empty()) save_checkpoint(dir / "last.pt", model, *optimizer, state);
    progress.end_epoch(train_loss, score, last_lr,
                       std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start).count(),
                       scalars_text(scalar_sums, static_cast<double>(std::max<std::int64_t>(rows, 1))));
    stopped = patience_exhausted();
    if (stopped)
      spdlog::info("{}early stopping after epoch {}: no improvement for {} epochs (best epoch {}, score {:.5g})",
                   plan.label, epoch, s.patience, state.best_epoch, state.best_score);
  }
  if (profiler.active()) {
    const std::string name = plan.stage.name == "fit" ? "step_profile.tsv" : "step_profile_" + plan.stage.name + ".tsv";
    report_step_profile(profiler.result(), s.batch_size,
                        (options_.profile_dir.empty() ? std::filesystem::path(".") : options_.profile_dir) / name);
  }
  if (validating && !best.empty()) restore(model, best);
  // The next stage starts from this one's final parameters: record them so
  // an interruption during the next stage resumes there.
  if (!dir.empty() && !plan.label.empty()) {
    state.finished = true;
    save_checkpoint(dir / "last.pt", model, *optimizer, state);
  }

  StageReport report;
  report.name = plan.stage.name;
  report.epochs_run = state.epoch;
  report.best_epoch = validating ? state.best_epoch : -1;
  report.best_score = validating ? state.best_score : 0.0;
  report.stopped_early = stopped && state.epoch < s.epochs;
  report.train_loss = state.train_loss;
  report.val_score = state.val_score;
  report.scalars = state.scalars;
  return report;
}

}  // namespace trellis::core::train
