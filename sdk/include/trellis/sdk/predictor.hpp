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
#include "trellis/sdk/fit_support.hpp"
#include "trellis/sdk/kind.hpp"
#include "trellis/sdk/graph.hpp"
#include "trellis/sdk/gsl.hpp"
#include "trellis/sdk/relation.hpp"
#include "trellis/sdk/requirements.hpp"

namespace trellis::sdk {

class NeuralPredictor;
class Adapter;

/// How a neural predictor wants its mini-batches built.
enum class BatchMode {
  cell_pairs,       ///< each perturbed cell paired with a sampled control cell
  condition_means,  ///< one row per condition: its pseudobulk vs the control mean
  items,            ///< shuffled indices [0, TrainingStage::items) in Batch::items (genes, modules, ...)
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

/// One named stage of training (e.g. "pretrain_autoencoder", then "fit").
/// The host runs a predictor's stages in order, each with its own
/// optimiser, settings (`[train]` overridden by `[train.<name>]`), batches,
/// checkpoints, progress and early stopping; `--resume` continues inside
/// the stage that was running.
struct TRELLIS_SDK_API TrainingStage {
  std::string name = "fit";
  BatchMode batch_mode = BatchMode::cell_pairs;
  TrainingSettings defaults;   ///< before the config's `[train]` and `[train.<name>]`
  std::int64_t items = 0;      ///< BatchMode::items: how many items an epoch shuffles
  /// Score the validation conditions after each epoch (best epoch, early
  /// stopping). Off for stages that do not predict expression yet.
  bool validate = true;
};

/// What one training step returns.
struct TRELLIS_SDK_API StepOutput {
  at::Tensor loss;                        ///< scalar to minimise
  std::map<std::string, double> scalars;  ///< named values to log (e.g. "regulariser"), averaged per epoch
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
  /// Per cell context, `[G_measured]`: set by the host only when it replaces
  /// the controls (residual training targets); sdk::control_mean(context,
  /// cell_context) and sdk::ControlMeans read it before the screen.
  std::map<std::string, at::Tensor> control_means;
  std::map<std::string, at::Tensor> features;
  std::map<std::string, Graph> graphs;
  std::shared_ptr<StructureLearner> structure_learner;  ///< the learner of [model.gsl]; null when none
  /// The [model.relations] typer the graphs were typed with (null when none):
  /// a predictor re-types graphs a structure learner creates with it.
  std::shared_ptr<RelationTyper> relation_typer;
  /// Every structure learner by name ([model.gsl] is "gsl", [model.gsl.x] is "x").
  std::map<std::string, std::shared_ptr<StructureLearner>> structure_learners;
  /// Every relation typer by name ([model.relations] is "relations", [model.relations.x] is "x").
  std::map<std::string, std::shared_ptr<RelationTyper>> relation_typers;
  /// The adapters the config put into the predictor's slots, by slot.
  std::map<std::string, std::shared_ptr<Adapter>> adapters;
  TrainingLoop* trainer = nullptr;
  /// task = "network": the candidate regulators of [data] regulators that are
  /// measured (a TF list); empty when every gene may regulate.
  std::vector<std::string> regulators;
  std::uint64_t seed = 0;
  std::string run_dir;

  /// A named feature; throws trellis::sdk::Error listing what is built and
  /// saying where to declare it.
  const at::Tensor& feature(const std::string& name) const;
  /// A named graph; likewise.
  const Graph& graph(const std::string& name) const;
  /// A named structure learner; likewise.
  std::shared_ptr<StructureLearner> learner(const std::string& name) const;
  /// A named relation typer; likewise.
  std::shared_ptr<RelationTyper> typer(const std::string& name) const;
  /// The adapter in slot `slot`, or null when the config leaves it empty.
  std::shared_ptr<Adapter> adapter(const std::string& slot) const;
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
  /// prepare_fit(), registers the context's structure learners as
  /// submodules, then runs the host's training loop over stages().
  void fit(FitContext& context) override;
  /// Creates parameters from the context (sizes, graphs) with
  /// register_parameter / register_module. Called through prepare_fit()
  /// before training and prepare_load() before loading saved parameters.
  virtual void prepare(FitContext& context) = 0;
  /// Before training; the default calls prepare().
  virtual void prepare_fit(FitContext& context) { prepare(context); }
  /// Before loading saved parameters (nothing is trained); the default calls prepare().
  virtual void prepare_load(FitContext& context) { prepare(context); }
  /// `[B, G_measured]` predicted expression for a batch.
  virtual at::Tensor forward(const Batch& batch) = 0;
  /// Scalar loss of `predicted` against `batch.target`.
  virtual at::Tensor loss(const at::Tensor& predicted, const Batch& batch) = 0;
  /// One training step of the current stage (see stage()). The default is
  /// `{loss(forward(batch), batch)}`; override it to add named scalars or
  /// for stages that do not predict expression.
  virtual StepOutput training_step(const Batch& batch);
  /// Called on every training batch before training_step(): a predictor may
  /// re-pair its cells its own way (e.g. minibatch optimal transport between
  /// `batch.control` and `batch.target` rows). The default does nothing.
  virtual void pair_batch(Batch& batch) { (void)batch; }
  /// The batch mode of the single default stage.
  virtual BatchMode batch_mode() const { return BatchMode::cell_pairs; }
  using torch::nn::Module::load;
  using torch::nn::Module::save;
  /// This model's training defaults, before the config's `[train]`.
  virtual TrainingSettings training_defaults() const { return {}; }
  /// The stages, in order. The default is one stage "fit" with
  /// batch_mode() and training_defaults().
  virtual std::vector<TrainingStage> stages() const;
  /// The parameters the stage `stage` trains; the default is all of them.
  virtual std::vector<at::Tensor> stage_parameters(const std::string& stage) { (void)stage; return parameters(); }
  /// Called by the host when a stage starts (also when resuming inside it).
  void enter_stage(const std::string& stage) { stage_ = stage; }
  /// The stage being trained ("fit" outside training).
  const std::string& stage() const { return stage_; }
  /// Registers `module` as a submodule named `name` unless it already is
  /// one somewhere in this model (used by the host for structure learners).
  void adopt(const std::string& name, const std::shared_ptr<torch::nn::Module>& module);
  /// Runs forward() in eval mode without gradients on one row per
  /// condition, with the control mean of the condition's context as the
  /// row's control.
  at::Tensor predict(const std::vector<Condition>& conditions) override;
  /// Saves every parameter and buffer (torch::save format).
  void save(const std::string& file) const override;
  /// prepare_load(), then loads the parameters and buffers saved by save().
  void load(const std::string& file, FitContext& context) override;

 protected:
  /// The control means predict() uses, by context; set by fit() and load().
  ControlMeans controls_;

 private:
  std::string stage_ = "fit";
};

TRELLIS_SDK_KIND(Predictor, "predictor", "Fits on a split, predicts mean expression for conditions")

}  // namespace trellis::sdk
