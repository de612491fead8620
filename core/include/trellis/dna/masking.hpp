#pragma once
// Masked-language-model inputs: which positions a DNA model must predict,
// and what it sees there (BERT's 80 / 10 / 10 rule).

#include <c10/util/Optional.h>

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

namespace trellis::core::dna {

struct MaskSettings {
  double fraction = 0.15;      ///< of the known bases (not N), chosen for the loss
  double replace_mask = 0.8;   ///< of the chosen: shown as the mask token
  double replace_random = 0.1; ///< of the chosen: shown as a uniformly random base; the rest are kept
};

struct MaskedTokens {
  at::Tensor input;   ///< [B, L] int64: what the model sees
  at::Tensor chosen;  ///< [B, L] bool: the positions the loss counts
};

/// Chooses each known base (not N) independently with probability
/// `fraction`; a chosen base is shown as the mask token (kBaseN) with
/// probability replace_mask, as a random base (any of A, C, G, T) with
/// probability replace_random, else unchanged. Draws from `generator`, or
/// torch's default generator (which checkpoints save, so a resumed run masks
/// as an uninterrupted one).
MaskedTokens mask_tokens(const at::Tensor& tokens, const MaskSettings& settings,
                         c10::optional<at::Generator> generator = c10::nullopt);

}  // namespace trellis::core::dna
