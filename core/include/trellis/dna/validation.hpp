#pragma once
// Held-out masked bases: the validation loss a DNA model is selected on, and
// the count baselines' loss on exactly the same positions.

#include <cstdint>

#include "trellis/dna/context_counts.hpp"
#include "trellis/dna/corpus.hpp"
#include "trellis/dna/masked_training.hpp"

namespace trellis::core::dna {

struct ValidationSet {
  WindowTokens rows;     ///< both strands when asked
  MaskedTokens masked;   ///< drawn once, so every epoch is scored on the same positions
  std::int64_t positions = 0;
  double unigram_nll = 0;  ///< mean -ln P over the chosen positions: base composition
  double context_nll = 0;  ///< the same for the 3-mer context model (it sees the true, unmasked neighbours)
};

/// Up to `max_windows` windows (a seeded sample), each strand a row when
/// `both_strands`, masked with a generator seeded by `seed`.
ValidationSet make_validation_set(const Windows& windows, bool both_strands, const MaskSettings& mask,
                                  std::uint64_t seed, std::int64_t max_windows, const ContextCounts& counts);

struct ValidationScore {
  double nll = 0;       ///< mean cross-entropy (nats) over the chosen positions
  double accuracy = 0;  ///< the share predicted right (argmax)
};
ValidationScore score_validation(sdk::DnaModel& model, const ValidationSet& set, std::int64_t batch_size);

}  // namespace trellis::core::dna
