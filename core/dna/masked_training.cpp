#include "trellis/dna/masked_training.hpp"

#include <cctype>

#include <ATen/ATen.h>

#include "trellis/sdk/dna_sequence.hpp"
#include "trellis/sdk/error.hpp"

namespace trellis::core::dna {

WindowTokens tokenize(const Windows& windows, double soft_mask_weight) {
  const std::int64_t n = windows.size();
  const std::int64_t length = n > 0 ? static_cast<std::int64_t>(windows.sequence[0].size()) : 0;
  WindowTokens out{at::empty({n, length}, at::kLong), at::ones({n, length}, at::kFloat)};
  auto* token = out.tokens.data_ptr<std::int64_t>();
  auto* weight = out.weight.data_ptr<float>();
  for (std::int64_t w = 0; w < n; ++w) {
    const std::string& s = windows.sequence[static_cast<std::size_t>(w)];
    for (std::int64_t i = 0; i < length; ++i) {
      const char c = s[static_cast<std::size_t>(i)];
      token[w * length + i] = sdk::dna_token(c);
      if (std::islower(static_cast<unsigned char>(c))) weight[w * length + i] = static_cast<float>(soft_mask_weight);
    }
  }
  return out;
}

WindowTokens select_items(const WindowTokens& windows, const at::Tensor& items) {
  const std::int64_t n = windows.tokens.size(0);
  const at::Tensor reverse = items.ge(n);
  const at::Tensor rows = at::where(reverse, items - n, items);
  WindowTokens out{windows.tokens.index_select(0, rows), windows.weight.index_select(0, rows)};
  if (reverse.any().item<bool>()) {
    const at::Tensor flip = reverse.unsqueeze(1);
    out.tokens = at::where(flip, sdk::reverse_complement_tokens(out.tokens), out.tokens);
    out.weight = at::where(flip, out.weight.flip({1}), out.weight);
  }
  return out;
}

MaskedLoss masked_loss(sdk::DnaModel& model, const at::Tensor& tokens, const MaskedTokens& masked,
                       const at::Tensor& weight) {
  const at::Tensor logits = model.logits(model.hidden(masked.input));
  const at::Tensor chosen_logits = logits.index({masked.chosen});
  const at::Tensor target = tokens.index({masked.chosen});
  const at::Tensor w = weight.index({masked.chosen});
  MaskedLoss out;
  out.positions = target.size(0);
  if (out.positions == 0) {
    out.loss = logits.sum() * 0.0;  // keeps the graph; nothing to learn from this batch
    return out;
  }
  const at::Tensor nll = at::cross_entropy_loss(chosen_logits, target, {}, at::Reduction::None);
  out.loss = (nll * w).sum() / w.sum().clamp_min(1e-12);
  out.accuracy = chosen_logits.argmax(1).eq(target).to(at::kDouble).mean().item<double>();
  return out;
}

MaskedDnaTraining::MaskedDnaTraining(std::shared_ptr<sdk::DnaModel> model, WindowTokens train, MaskSettings mask,
                                     bool both_strands, sdk::TrainingSettings defaults)
    : model_(std::move(model)), train_(std::move(train)), mask_(mask), both_strands_(both_strands),
      defaults_(std::move(defaults)) {
  register_module("model", model_);
}

std::vector<sdk::TrainingStage> MaskedDnaTraining::stages() const {
  sdk::TrainingStage stage;
  stage.name = "fit";
  stage.batch_mode = sdk::BatchMode::items;
  stage.items = train_.tokens.size(0) * (both_strands_ ? 2 : 1);
  stage.defaults = defaults_;
  return {stage};
}

sdk::StepOutput MaskedDnaTraining::training_step(const sdk::Batch& batch) {
  const WindowTokens rows = select_items(train_, batch.items);
  const MaskedTokens masked = mask_tokens(rows.tokens, mask_);
  MaskedLoss result = masked_loss(*model_, rows.tokens, masked, rows.weight);
  sdk::StepOutput out;
  out.loss = result.loss;
  out.scalars["masked_accuracy"] = result.accuracy;
  return out;
}

at::Tensor MaskedDnaTraining::forward(const sdk::Batch&) {
  throw sdk::Error("a DNA language model is trained with training_step() only");
}

at::Tensor MaskedDnaTraining::loss(const at::Tensor&, const sdk::Batch&) {
  throw sdk::Error("a DNA language model is trained with training_step() only");
}

at::Tensor MaskedDnaTraining::predict(const std::vector<sdk::Condition>&) {
  throw sdk::Error("a DNA language model predicts bases, not expression: use `trellis dna score`");
}

}  // namespace trellis::core::dna
