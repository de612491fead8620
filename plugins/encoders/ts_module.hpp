#pragma once
// A user-supplied pretrained model exported as TorchScript, and the
// batching and pooling every TorchScript encoder shares.
//
// Input contract (text and DNA alike; a DNA language model trained in
// Trellis later plugs in through the same call):
//   forward(input_ids [B, L] int64, attention_mask [B, L] int64)
// where each row is one gene's token ids padded on the right with the
// vocabulary's [PAD] id and the mask is 1 on real tokens, 0 on padding.
// A forward taking only input_ids (e.g. HyenaDNA) gets only the ids; one
// requiring a third argument gets token_type_ids, all zeros (BERT exports).
// Output: [B, L, H] token states (pooled here) or [B, H] gene vectors (used
// as they are), bare or as the first element of a tuple/list or the
// "last_hidden_state" (else "pooler_output") entry of a dict, the shapes
// HuggingFace exports produce.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

namespace trellis::encoders {

enum class Pooling { cls, mean };

/// "cls" | "mean"; throws sdk::Error naming `who` otherwise.
Pooling parse_pooling(const std::string& name, const std::string& who);

class TorchScriptModel {
 public:
  /// Loads `path` with torch::jit::load and puts it in eval mode. Throws
  /// sdk::Error naming `who` when the file is missing, is not a TorchScript
  /// module (saying how to export one) or has no usable forward method.
  TorchScriptModel(const std::string& path, std::string who);
  ~TorchScriptModel();
  TorchScriptModel(const TorchScriptModel&) = delete;
  TorchScriptModel& operator=(const TorchScriptModel&) = delete;

  /// `[B, H]` float32: the model's output for one padded batch, pooled
  /// ("cls": position 0; "mean": average over positions where the mask is
  /// 1, special tokens included). Runs under torch::NoGradGuard. Throws
  /// sdk::Error saying what was expected and what came back when the
  /// output has the wrong type, rank or batch size.
  at::Tensor embed(const at::Tensor& input_ids, const at::Tensor& attention_mask, Pooling pooling) const;

  const std::string& path() const { return path_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
  std::string who_;
};

/// Embeds every gene's token ids: `[G, H]` float32, zero rows where
/// `present` is false. Genes are batched `batch_size` at a time in order of
/// decreasing length (less padding; results do not depend on the batching
/// for a model that honours the mask) and the order restored. Logs progress
/// through sdk::log_info every ~5% of the batches (at most once a second).
/// Throws sdk::Error when no gene is present (the width H would be unknown).
at::Tensor embed_genes(const TorchScriptModel& model, const std::vector<std::vector<std::int64_t>>& ids,
                       const std::vector<bool>& present, std::int64_t pad_id, Pooling pooling,
                       std::int64_t batch_size, const std::string& who, const std::string& modality);

}  // namespace trellis::encoders
