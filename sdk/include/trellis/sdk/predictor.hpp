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
  std::map<std::string, at::Tensor> features;
  std::map<std::string, Graph> graphs;
  std::shared_ptr<StructureLearner> structure_learner;  ///< null unless required
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
};

/// Base for predictors trained by gradient descent: a torch module with
/// `forward(Batch)` and `loss`, trained by the host's loop.
class TRELLIS_SDK_API NeuralPredictor : public Predictor, public torch::nn::Module {
 public:
  ~NeuralPredictor() override;
  /// Builds parameters from the context (sizes, graphs), then runs the host's
  /// training loop on this module.
  void fit(FitContext& context) override;
  /// Called by fit() before training; create parameters here.
  virtual void prepare(FitContext& context) = 0;
  /// `[B, G_measured]` predicted expression for a batch.
  virtual at::Tensor forward(const Batch& batch) = 0;
  /// Scalar loss of `predicted` against `batch.target`.
  virtual at::Tensor loss(const at::Tensor& predicted, const Batch& batch) = 0;
  virtual BatchMode batch_mode() const { return BatchMode::cell_pairs; }
};

}  // namespace trellis::sdk
