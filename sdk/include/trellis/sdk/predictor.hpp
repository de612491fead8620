#pragma once
/// @file predictor.hpp
/// Predictor: fits on a split, predicts mean expression for conditions.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include "trellis/sdk/data.hpp"
#include "trellis/sdk/export.hpp"
#include "trellis/sdk/graph.hpp"
#include "trellis/sdk/gsl.hpp"
#include "trellis/sdk/relation.hpp"

namespace trellis::sdk {

class NeuralPredictor;

/// The named parts a predictor needs; model assembly checks that the config
/// provides each before anything is built.
struct TRELLIS_SDK_API Requirements {
  std::vector<std::string> features;   ///< names under [model.encoders]
  std::vector<std::string> graphs;     ///< names under [model.graphs]
  bool structure_learner = false;      ///< needs [model.gsl]
  bool relation_typer = false;         ///< needs [model.relations]
};

/// How a neural predictor wants its mini-batches built.
enum class BatchMode {
  cell_pairs,       ///< each perturbed cell paired with a sampled control cell
  condition_means,  ///< one row per condition: its pseudobulk vs the control mean
};

/// How the host's training loop trains a neural predictor. A predictor
/// gives its own defaults (NeuralPredictor::training_defaults); the
/// experiment's `[train]` table overrides them key by key.
struct TRELLIS_SDK_API TrainingSettings {
  std::int64_t epochs = 20;
  std::int64_t batch_size = 32;
  std::string optimizer = "adam";   ///< "adam" or "adamw"
  double learning_rate = 1e-3;
  double weight_decay = 5e-4;
  std::string schedule = "step";    ///< "none", "step" (StepLR) or "cosine"
  std::int64_t step_size = 1;       ///< StepLR: epochs between decays
  double gamma = 0.5;               ///< StepLR: decay factor
  double clip_norm = 1.0;           ///< gradient-norm clipping; 0 turns it off
  std::string early_stopping_metric = "mse_de";  ///< a metric/* component scored on validation
  std::int64_t patience = 0;        ///< epochs without improvement before stopping; 0 never stops early
  /// cell_pairs: at most this many cells per condition per epoch (0 = all).
  std::int64_t max_cells_per_condition = 0;
};

/// The host's training loop (epochs, early stopping, checkpoints, progress).
class TRELLIS_SDK_API TrainingLoop {
 public:
  virtual ~TrainingLoop();
  virtual void train(NeuralPredictor& model) = 0;
};

/// Everything a predictor may use to fit.
struct TRELLIS_SDK_API FitContext {
  const GeneTable* genes = nullptr;
  const Screen* screen = nullptr;
  std::vector<std::int64_t> train_conditions;  ///< indices into screen->conditions
  std::vector<std::int64_t> val_conditions;
  /// [conditions, G_measured] pseudobulk, rows as screen->conditions.
  at::Tensor condition_means;
  at::Tensor control_mean;  ///< [G_measured]
  std::map<std::string, at::Tensor> features;
  std::map<std::string, Graph> graphs;
  std::shared_ptr<StructureLearner> structure_learner;  ///< null unless required
  /// The [model.relations] typer the graphs were typed with (null when none):
  /// a predictor re-types graphs a structure learner creates with it.
  std::shared_ptr<RelationTyper> relation_typer;
  TrainingLoop* trainer = nullptr;
  std::uint64_t seed = 0;
  std::string run_dir;
};

/// Fits, then predicts `[n, G_measured]` mean post-perturbation expression.
class TRELLIS_SDK_API Predictor {
 public:
  virtual ~Predictor();
  virtual Requirements requirements() const { return {}; }
  virtual void fit(FitContext& context) = 0;
  /// One row per condition, columns = measured genes, same scale as the input.
  virtual at::Tensor predict(const std::vector<Condition>& conditions) = 0;
  /// Sampled cells `[cells_per_condition, G_measured]` per condition, for the
  /// distributional metrics. The default returns an empty vector: this
  /// predictor predicts means only.
  virtual std::vector<at::Tensor> sample(const std::vector<Condition>& conditions,
                                         std::int64_t cells_per_condition, std::uint64_t seed);
  /// Writes what predict() needs after fit() to `file` (`trellis predict`
  /// reloads it). The default throws: this predictor cannot be saved.
  virtual void save(const std::string& file) const;
  /// Restores a state written by save() instead of fitting; `context` is
  /// built as for fit() (data, features, graphs) but nothing is trained.
  virtual void load(const std::string& file, FitContext& context);
};

/// Base for predictors trained by gradient descent: a torch module with
/// `forward(Batch)` and `loss`, trained by the host's loop.
class TRELLIS_SDK_API NeuralPredictor : public Predictor, public torch::nn::Module {
 public:
  ~NeuralPredictor() override;
  /// Builds parameters from the context (sizes, graphs), then runs the host's
  /// training loop on this module.
  void fit(FitContext& context) override;
  /// Called by fit() and load() before training or loading; create
  /// parameters here (register_parameter / register_module).
  virtual void prepare(FitContext& context) = 0;
  /// `[B, G_measured]` predicted expression for a batch.
  virtual at::Tensor forward(const Batch& batch) = 0;
  /// Scalar loss of `predicted` against `batch.target`.
  virtual at::Tensor loss(const at::Tensor& predicted, const Batch& batch) = 0;
  virtual BatchMode batch_mode() const { return BatchMode::cell_pairs; }
  using torch::nn::Module::load;
  using torch::nn::Module::save;
  /// This model's training defaults, before the config's `[train]`.
  virtual TrainingSettings training_defaults() const { return {}; }
  /// Runs forward() in eval mode without gradients on one row per
  /// condition, with the control mean as each row's control.
  at::Tensor predict(const std::vector<Condition>& conditions) override;
  /// Saves every parameter and buffer (torch::save format).
  void save(const std::string& file) const override;
  /// prepare(), then loads the parameters and buffers saved by save().
  void load(const std::string& file, FitContext& context) override;

 protected:
  /// The control mean predict() uses; set by fit() and load().
  at::Tensor control_mean_;
};

}  // namespace trellis::sdk
