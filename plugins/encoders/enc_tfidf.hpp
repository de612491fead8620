#pragma once
// TF-IDF of free text, as scikit-learn's TfidfVectorizer computes it with
// lowercase=True, token_pattern=r"[a-z0-9]+", ngram_range=(1, 2),
// stop_words="english" (optional), min_df=<count>, sublinear_tf=True,
// smooth_idf=True, norm="l2":
//   tf  = 1 + ln(count of the term in the document)
//   idf = ln((1 + n) / (1 + df)) + 1     (n documents fitted, df = documents holding the term)
//   row = tf * idf, scaled to unit L2 norm.
// Bigrams join neighbouring tokens after stop words are removed (as sklearn
// does). The vocabulary is sorted, so column j is the j-th term in byte order.

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include <ATen/core/Tensor.h>

namespace trellis::encoders {

struct TfidfSettings {
  bool bigrams = true;
  bool stop_words = true;
  std::int64_t min_df = 2;  ///< terms in fewer fitted documents are dropped
};

/// Lower-cased runs of [a-z0-9] (other bytes separate tokens), without
/// English stop words when `stop_words`.
std::vector<std::string> tokenize(const std::string& text, bool stop_words);

class Tfidf {
 public:
  explicit Tfidf(TfidfSettings settings) : settings_(settings) {}
  /// Learns the vocabulary and the idf weights from `documents`.
  void fit(const std::vector<std::string>& documents);
  /// Sparse COO `[documents, vocabulary]` float64, coalesced. A document
  /// without a vocabulary term is an empty row.
  at::Tensor transform(const std::vector<std::string>& documents) const;

  std::int64_t vocabulary_size() const { return static_cast<std::int64_t>(terms_.size()); }
  const std::vector<std::string>& terms() const { return terms_; }
  const std::vector<double>& idf() const { return idf_; }

 private:
  /// Column -> count of the document's terms (unordered).
  std::vector<std::pair<std::int64_t, std::int64_t>> term_counts(const std::string& text) const;

  TfidfSettings settings_;
  std::unordered_map<std::string, std::int64_t> tokens_;  ///< unigram -> token id
  std::unordered_map<std::uint64_t, std::int64_t> column_;  ///< unigram/bigram key -> column
  std::vector<std::string> terms_;
  std::vector<double> idf_;
};

}  // namespace trellis::encoders
