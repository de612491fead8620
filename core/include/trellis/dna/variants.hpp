#pragma once
// Variants to score with a DNA language model, each with the reference
// sequence around it: from a table of variants with their reference windows,
// or from a saturation-mutagenesis MPRA table, whose rows rebuild each
// element's reference sequence.

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace trellis::core::dna {

struct Variant {
  std::string chrom;
  std::int64_t pos = 0;  ///< 1-based
  char ref = 'N';
  char alt = 'N';        ///< '-' for a 1-bp deletion
  /// The reference sequence the variant sits in, and the variant's 0-based
  /// index in it.
  std::shared_ptr<const std::string> reference;
  std::int64_t offset = 0;
  std::string element;   ///< MPRA element, else ""
  double coefficient = std::numeric_limits<double>::quiet_NaN();  ///< measured effect (MPRA)
  double p_value = std::numeric_limits<double>::quiet_NaN();

  bool deletion() const { return alt == '-'; }
  /// "chrom:pos:ref>alt", how messages name it.
  std::string name() const;
};

/// A table with a header naming the columns chrom, pos, ref, alt,
/// window_start (1-based position of the window's first base) and window
/// (the reference sequence around the variant). ref and alt are single bases;
/// alt "-" is a 1-bp deletion. Throws sdk::Error naming the file, line and
/// variant when a base is not A, C, G or T, the window holds other
/// characters than ACGTN, the variant lies outside its window or fewer than
/// `min_flank` bases from either end, or ref disagrees with the window.
std::vector<Variant> read_variant_table(const std::string& path, std::int64_t min_flank);

/// An MPRA element rebuilt from its rows.
struct MpraElement {
  std::string chrom;
  std::int64_t start = 0;  ///< 1-based position of sequence[0]
  std::shared_ptr<const std::string> sequence;
  std::vector<std::int64_t> gaps;  ///< 1-based positions no row covers (N in the sequence)
};

struct MpraData {
  std::vector<Variant> variants;
  std::map<std::string, MpraElement> elements;
};

/// Kircher et al. (2019)'s table: Chrom, Pos, Ref, Alt, Coefficient, pValue,
/// Element (other columns ignored). Each element's reference is the Ref of
/// its rows by position, from its first to its last position; positions
/// without a row are gaps, filled with N and listed. Throws sdk::Error naming
/// the file, line, element and position when rows of one position disagree
/// on Ref, when an element spans two chromosomes, or on a malformed row.
MpraData read_mpra(const std::string& path);

}  // namespace trellis::core::dna
