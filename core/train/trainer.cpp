// The epoch loop: batches, optimiser steps, validation, early stopping,
// checkpoints and resume.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
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
#include "trellis/sdk/error.hpp"
#include "trellis/train/batches.hpp"
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
                    " (batch of conditions " + names + "); try a lower learning_rate (now " + text(lr) +
                    ") or clip_norm");
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

Trainer::Trainer(const sdk::FitContext& context, TrainerOptions options)
    : context_(context), options_(std::move(options)) {}

void Trainer::train(sdk::NeuralPredictor& model) {
  const auto started = std::chrono::steady_clock::now();
  report_ = TrainingReport{};
  // Settings built by hand (not through the config) are checked here too.
  const sdk::TrainingSettings s = resolve_settings(options_.settings, nlohmann::json::object(), "[train]");
  const fs::path dir = options_.checkpoint_dir;
  if (!dir.empty()) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw sdk::Error("cannot create the checkpoint folder '" + dir.string() + "': " + ec.message());
  }

  BatchSource source(context_, model.batch_mode(), s.batch_size, s.max_cells_per_condition);
  const std::vector<at::Tensor> params = model.parameters();
  if (params.empty()) throw sdk::Error("the model has no parameters to train; create them in prepare()");
  const auto optimizer = make_optimizer(params, s);
  const bool validating = static_cast<bool>(options_.validate) && !context_.val_conditions.empty();

  std::mt19937_64 rng(options_.seed);
  TrainState state;
  std::vector<at::Tensor> best;  // the best epoch's parameters, kept in memory
  if (options_.resume) {
    if (dir.empty()) throw sdk::Error("cannot resume: no checkpoint folder was given");
    state = load_checkpoint(dir / "last.pt", model, *optimizer);
    std::istringstream in(state.rng);
    in >> rng;
    if (in.fail()) throw sdk::Error("cannot resume: the random state in '" + (dir / "last.pt").string() + "' is damaged");
    if (validating && state.best_epoch > 0) best = read_saved_state(dir / "best.pt", model);
    spdlog::info("resuming after epoch {} of {} from '{}'", state.epoch, s.epochs, (dir / "last.pt").string());
  }

  const auto patience_exhausted = [&] { return validating && s.patience > 0 && state.since_best >= s.patience; };
  Progress progress(options_.progress_bar, s.epochs, state.epoch + 1);
  bool stopped = patience_exhausted();
  for (std::int64_t epoch = state.epoch + 1; epoch <= s.epochs && !stopped; ++epoch) {
    const auto epoch_start = std::chrono::steady_clock::now();
    // The schedule is a function of the epoch alone, so a resumed run
    // follows it exactly.
    const double lr = learning_rate_at(s, epoch);
    for (auto& group : optimizer->param_groups()) group.options().set_lr(lr);
    model.train();
    source.plan_epoch(rng);
    const std::int64_t steps = source.num_batches();
    progress.start_epoch(epoch, steps);
    double loss_sum = 0.0;
    std::int64_t rows = 0;
    for (std::int64_t b = 0; b < steps; ++b) {
      const sdk::Batch& batch = source.batch(b);
      optimizer->zero_grad();
      const at::Tensor predicted = model.forward(batch);
      const at::Tensor loss = model.loss(predicted, batch);
      const double value = loss.item<double>();
      if (!std::isfinite(value)) throw bad_loss(value, epoch, b + 1, batch, *context_.screen, lr);
      loss.backward();
      // Gradients are complete here: the one place a data-parallel run
      // would reduce them across processes.
      if (s.clip_norm > 0) torch::nn::utils::clip_grad_norm_(params, s.clip_norm);
      optimizer->step();
      loss_sum += value * static_cast<double>(batch.size());
      rows += batch.size();
      progress.step(b + 1, loss_sum / static_cast<double>(rows));
    }
    const double train_loss = rows > 0 ? loss_sum / static_cast<double>(rows) : 0.0;
    state.train_loss.push_back(train_loss);

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
    progress.end_epoch(train_loss, score,
                       lr, std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start).count());
    stopped = patience_exhausted();
    if (stopped)
      spdlog::info("early stopping after epoch {}: no improvement for {} epochs (best epoch {}, score {:.5g})", epoch,
                   s.patience, state.best_epoch, state.best_score);
  }
  if (validating && !best.empty()) restore(model, best);

  report_.epochs_run = state.epoch;
  report_.best_epoch = validating ? state.best_epoch : -1;
  report_.best_score = validating ? state.best_score : 0.0;
  report_.stopped_early = stopped && state.epoch < s.epochs;
  report_.train_loss = state.train_loss;
  report_.val_score = state.val_score;
  report_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

}  // namespace trellis::core::train
