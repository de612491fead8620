#pragma once
// How well zero-shot variant scores match measured effects in a saturation
// mutagenesis MPRA: per element and overall, Spearman of score vs effect
// and AUROC of telling significant loss-of-expression variants from
// non-significant ones.

#include <cstdint>
#include <string>
#include <vector>

#include "trellis/dna/variants.hpp"

namespace trellis::core::dna {

struct MethodScores {
  std::string method;           ///< e.g. "dnalm", "context3", "position"
  std::vector<double> scores;   ///< per variant; lower = more deleterious
};

struct MpraRow {
  std::string element;   ///< an element, or "all"
  std::string variants;  ///< "all", "substitutions" or "deletions"
  std::string method;
  std::int64_t n = 0;
  std::int64_t positives = 0;  ///< pValue < threshold and Coefficient < 0
  std::int64_t negatives = 0;  ///< pValue >= threshold
  double spearman = 0;         ///< score vs Coefficient
  double auroc = 0;            ///< of -score, positives vs negatives; NaN without both
};

/// Rows for every element (all its variants) and for all elements together
/// (all variants, substitutions, deletions), each method in turn.
std::vector<MpraRow> evaluate_mpra(const std::vector<Variant>& variants, const std::vector<MethodScores>& methods,
                                   double significance = 1e-5);

/// The rows as TSV (a header line first).
std::string mpra_tsv(const std::vector<MpraRow>& rows);
/// The "all" rows and the per-element Spearman as a table for the terminal.
std::string mpra_summary(const std::vector<MpraRow>& rows);

}  // namespace trellis::core::dna
