#pragma once
// Zero-shot variant scores: a DNA language model's (GPN's convention) and
// two baselines' on the same variants. Lower = more deleterious.

#include <cstdint>
#include <string>
#include <vector>

#include "trellis/dna/context_counts.hpp"
#include "trellis/dna/variants.hpp"

namespace trellis::sdk {
class DnaModel;
}

namespace trellis::core::dna {

struct ScoreSettings {
  std::int64_t flank = 150;       ///< bases each side of the variant: windows of 2 flank + 1
  std::int64_t batch_size = 64;   ///< windows per forward pass
};

/// The 2 flank + 1 bases of `reference` centred on `offset`, N beyond its ends.
std::string centred_window(const std::string& reference, std::int64_t offset, std::int64_t flank);

/// The model's scores.
/// Substitution: the window centred on the variant with the variant masked;
/// log P(alt) - log P(ref) at the centre, averaged over the forward and the
/// reverse-complement strand (GPN's run_vep). Substitutions at one position
/// share their windows.
/// 1-bp deletion: the change in summed log-likelihood of the window: the
/// reference window and the same window without the deleted base are read
/// unmasked, and log P of every base they share (all but the deleted one) is
/// summed, alternative minus reference, averaged over both strands.
std::vector<double> score_with_model(sdk::DnaModel& model, const std::vector<Variant>& variants,
                                     const ScoreSettings& settings);

/// The 3-mer context model's scores under the same definitions, with
/// ln P(x | left, right) in place of the model's log-probabilities.
std::vector<double> score_with_context(const ContextCounts& counts, const std::vector<Variant>& variants,
                                       std::int64_t flank);

/// Distance (bases) from the variant to the centre of its reference
/// sequence (an MPRA element): variants far from the centre are expected to
/// matter less, so the distance is a score on the same scale of "lower =
/// more deleterious".
std::vector<double> score_by_position(const std::vector<Variant>& variants);

}  // namespace trellis::core::dna
