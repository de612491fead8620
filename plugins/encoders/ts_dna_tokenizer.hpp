#pragma once
// DNA language-model tokens: single bases or non-overlapping k-mers, with
// the [CLS] ... [SEP] frame BERT-style DNA models (DNABERT, Nucleotide
// Transformer) were trained with.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "ts_vocab.hpp"

namespace trellis::encoders {

class DnaTokenizer {
 public:
  enum class Mode { chars, kmer };

  /// The ids used without a vocabulary file: [PAD]=0, [CLS]=1, [SEP]=2,
  /// A=3, C=4, G=5, T=6, N=7.
  static Vocab default_vocab();

  /// Looks up the tokens it needs in `vocab` and throws sdk::Error naming
  /// `who`, the vocabulary and the token when one is missing: [PAD] always,
  /// [CLS] and [SEP] with `add_special_tokens`, and in "chars" mode each of
  /// A, C, G, T, N (or [UNK] in its place).
  DnaTokenizer(Vocab vocab, Mode mode, std::int64_t k, bool add_special_tokens, std::int64_t max_length,
               std::string who);

  /// Ids of an upper-case A/C/G/T/N sequence, truncated to `max_length`
  /// ids (special tokens included) by keeping its start. In "kmer" mode the
  /// sequence is cut into non-overlapping k-mers from its start; a k-mer
  /// missing from the vocabulary (e.g. one with N) and a last piece shorter
  /// than k become single-base tokens (as Nucleotide Transformer does), a
  /// base missing from the vocabulary [UNK].
  std::vector<std::int64_t> encode(const std::string& sequence) const;

  std::int64_t pad_id() const { return pad_; }

 private:
  std::int64_t base_id(char base) const;

  Vocab vocab_;
  Mode mode_;
  std::int64_t k_;
  bool add_special_;
  std::int64_t max_length_;
  std::string who_;
  std::int64_t pad_ = 0, cls_ = -1, sep_ = -1;
  std::array<std::int64_t, 5> bases_{};  // A C G T N; -1 when neither the base nor [UNK] is in the vocabulary
};

}  // namespace trellis::encoders
