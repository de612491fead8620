#pragma once
// Training checkpoints: everything an interrupted run needs to continue as if
// it had never stopped (parameters, optimiser moments, the epoch, the best
// score so far, the samplers' random state, the loss history).

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

namespace torch::optim {
class Optimizer;
}

namespace trellis::sdk {
class NeuralPredictor;
}

namespace trellis::core::train {

struct TrainState {
  std::int64_t epoch = 0;             ///< epochs completed
  std::int64_t best_epoch = -1;       ///< 1-based; -1 before the first validation
  double best_score = 0.0;
  std::int64_t since_best = 0;        ///< epochs without improvement
  std::string rng;                    ///< the std::mt19937_64 state as text
  std::vector<double> train_loss;
  std::vector<double> val_score;
  std::map<std::string, std::vector<double>> scalars;  ///< per epoch, by name (StepOutput::scalars)
  bool finished = false;              ///< the stage ended (its best epoch restored): resume with the next stage
};

/// Copies of every parameter and buffer (named_parameters then named_buffers).
std::vector<at::Tensor> snapshot(sdk::NeuralPredictor& model);
/// Copies a snapshot back into the model in place.
void restore(sdk::NeuralPredictor& model, const std::vector<at::Tensor>& state);

/// Writes `file` atomically (a temporary beside it, then a rename).
void save_checkpoint(const std::filesystem::path& file, sdk::NeuralPredictor& model,
                     torch::optim::Optimizer& optimizer, const TrainState& state);

/// Restores the model's parameters and buffers, the optimiser and the state.
/// Throws sdk::Error naming the file when it is missing or unreadable, and
/// naming the parameter when the checkpoint does not match the model.
TrainState load_checkpoint(const std::filesystem::path& file, sdk::NeuralPredictor& model,
                           torch::optim::Optimizer& optimizer);

/// The parameters and buffers of a file written by NeuralPredictor::save,
/// as a snapshot, leaving the model as it was.
std::vector<at::Tensor> read_saved_state(const std::filesystem::path& file, sdk::NeuralPredictor& model);

}  // namespace trellis::core::train
