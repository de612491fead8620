#pragma once
// Masked-base training of a DNA language model as a neural predictor, so the
// host's training loop (checkpoints, exact resume, progress, early stopping)
// runs it: one stage of shuffled windows, both strands.

#include <memory>

#include "trellis/dna/corpus.hpp"
#include "trellis/dna/masking.hpp"
#include "trellis/sdk/dna_model.hpp"
#include "trellis/sdk/predictor.hpp"

namespace trellis::core::dna {

/// Windows as tokens [N, L] (int64) and the loss weight of every position
/// [N, L] (float: soft_mask_weight where the base is lower case, else 1).
struct WindowTokens {
  at::Tensor tokens;
  at::Tensor weight;
};
WindowTokens tokenize(const Windows& windows, double soft_mask_weight);

/// Rows `items` of `windows`; an item i >= N is row i - N read as its
/// reverse complement (tokens and weights reversed together).
WindowTokens select_items(const WindowTokens& windows, const at::Tensor& items);

/// The loss of a batch: cross-entropy of the model's logits at the chosen
/// positions against the original bases, weighted by `weight`, divided by
/// the weights' sum. Also gives the unweighted accuracy of the chosen positions.
struct MaskedLoss {
  at::Tensor loss;
  double accuracy = 0;
  std::int64_t positions = 0;
};
MaskedLoss masked_loss(sdk::DnaModel& model, const at::Tensor& tokens, const MaskedTokens& masked,
                       const at::Tensor& weight);

class MaskedDnaTraining : public sdk::NeuralPredictor {
 public:
  /// `items` per epoch = windows (x 2 with `both_strands`).
  MaskedDnaTraining(std::shared_ptr<sdk::DnaModel> model, WindowTokens train, MaskSettings mask, bool both_strands,
                    sdk::TrainingSettings defaults);

  void prepare(sdk::FitContext& context) override { (void)context; }
  std::vector<sdk::TrainingStage> stages() const override;
  sdk::StepOutput training_step(const sdk::Batch& batch) override;
  at::Tensor forward(const sdk::Batch& batch) override;
  at::Tensor loss(const at::Tensor& predicted, const sdk::Batch& batch) override;
  at::Tensor predict(const std::vector<sdk::Condition>& conditions) override;

  sdk::DnaModel& model() { return *model_; }

 private:
  std::shared_ptr<sdk::DnaModel> model_;
  WindowTokens train_;
  MaskSettings mask_;
  bool both_strands_;
  sdk::TrainingSettings defaults_;
};

}  // namespace trellis::core::dna
