#pragma once
// Count models of DNA, the baselines a language model must beat: base
// composition (unigram) and a base given its two neighbours (3-mer context,
// P(x_i | x_{i-1}, x_{i+1})), both with add-one smoothing. Neighbour N (an
// unknown base or a window edge) is a context of its own.

#include <array>
#include <string>

#include <nlohmann/json.hpp>

namespace trellis::core::dna {

class ContextCounts {
 public:
  /// Counts every known base of `sequence` (one strand; add the reverse
  /// complement too for both).
  void add(const std::string& sequence);
  /// ln P(base) under base composition; base in 0..3.
  double unigram_log_prob(std::int64_t base) const;
  /// ln P(base | left, right); left and right are tokens 0..4 (4 = N).
  double context_log_prob(std::int64_t left, std::int64_t base, std::int64_t right) const;
  /// Bases counted.
  double total() const;
  nlohmann::json to_json() const;
  /// Throws sdk::Error naming `where` when the counts are malformed.
  static ContextCounts from_json(const nlohmann::json& json, const std::string& where);

 private:
  std::array<double, 4> unigram_{};
  std::array<double, 5 * 5 * 4> context_{};  // [left][right][base]
};

}  // namespace trellis::core::dna
