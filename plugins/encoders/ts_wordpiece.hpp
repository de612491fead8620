#pragma once
// BERT's tokenizer (Devlin et al. 2019; HuggingFace BertTokenizer): basic
// tokenisation, then greedy longest-match-first WordPiece subwords, so a
// BERT-family TorchScript export sees the ids it was trained on.

#include <cstdint>
#include <string>
#include <vector>

#include "ts_vocab.hpp"

namespace trellis::encoders {

class WordPieceTokenizer {
 public:
  /// Checks that `vocab` has [CLS], [SEP], [PAD] and [UNK]; throws
  /// sdk::Error naming `who`, the vocabulary file and the missing token.
  WordPieceTokenizer(Vocab vocab, bool lower_case, std::string who);

  /// Basic tokenisation: control characters dropped, whitespace split,
  /// CJK ideographs and punctuation made tokens of their own; with
  /// lower_case, lower-cased and accents stripped (NFD, marks dropped).
  std::vector<std::string> basic_tokens(const std::string& text) const;
  /// WordPiece subwords of `text` ("##" marks a continuation; a word that
  /// cannot be split, or longer than 100 characters, is one [UNK]).
  std::vector<std::string> tokenize(const std::string& text) const;
  /// [CLS] ids... [SEP], the subwords truncated so the whole is at most
  /// `max_length` (>= 2) ids.
  std::vector<std::int64_t> encode(const std::string& text, std::int64_t max_length) const;

  std::int64_t pad_id() const { return pad_; }
  const Vocab& vocab() const { return vocab_; }

 private:
  Vocab vocab_;
  bool lower_case_;
  std::int64_t cls_, sep_, pad_, unk_;
  std::size_t longest_piece_ = 0;  // in characters, "##" left out: bounds the greedy search
};

}  // namespace trellis::encoders
