#include "enc_tfidf.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <ATen/Functions.h>
#include <ATen/Parallel.h>

#include "column_counts.hpp"
#include "enc_tfidf_stop_words.hpp"

namespace trellis::encoders {

namespace {

// A term is one token id (unigram) or two (bigram), packed in 64 bits.
constexpr std::uint64_t kNone = 0xFFFFFFFFULL;
std::uint64_t unigram(std::int64_t t) { return (static_cast<std::uint64_t>(t) << 32) | kNone; }
std::uint64_t bigram(std::int64_t a, std::int64_t b) {
  return (static_cast<std::uint64_t>(a) << 32) | static_cast<std::uint64_t>(b);
}

bool is_token_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

}  // namespace

std::vector<std::string> tokenize(const std::string& text, bool stop_words) {
  std::vector<std::string> tokens;
  std::string current;
  const auto flush = [&] {
    if (!current.empty() && !(stop_words && is_stop_word(current))) tokens.push_back(current);
    current.clear();
  };
  for (char c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (is_token_char(c))
      current += c;
    else
      flush();
  }
  flush();
  return tokens;
}

void Tfidf::fit(const std::vector<std::string>& documents) {
  tokens_.clear();
  column_.clear();
  terms_.clear();
  idf_.clear();
  // Document frequency of every unigram and bigram, keyed by token ids so
  // that the (many) bigrams cost 8 bytes each, not a string.
  std::vector<std::string> names;
  std::unordered_map<std::uint64_t, std::int64_t> df;
  std::vector<std::uint64_t> seen;
  for (const auto& doc : documents) {
    const auto tokens = tokenize(doc, settings_.stop_words);
    seen.clear();
    std::int64_t previous = -1;
    for (const auto& token : tokens) {
      const auto [it, added] = tokens_.emplace(token, static_cast<std::int64_t>(names.size()));
      if (added) names.push_back(token);
      seen.push_back(unigram(it->second));
      if (settings_.bigrams && previous >= 0) seen.push_back(bigram(previous, it->second));
      previous = it->second;
    }
    std::sort(seen.begin(), seen.end());
    seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    for (const auto key : seen) ++df[key];
  }
  struct Term {
    std::string text;
    std::uint64_t key;
    std::int64_t df;
  };
  std::vector<Term> kept;
  for (const auto& [key, count] : df) {
    if (count < settings_.min_df) continue;
    const auto first = static_cast<std::size_t>(key >> 32), second = static_cast<std::size_t>(key & kNone);
    kept.push_back({(key & kNone) == kNone ? names[first] : names[first] + " " + names[second], key, count});
  }
  std::sort(kept.begin(), kept.end(), [](const Term& a, const Term& b) { return a.text < b.text; });
  const double n = static_cast<double>(documents.size());
  terms_.reserve(kept.size());
  idf_.reserve(kept.size());
  column_.reserve(kept.size());
  for (std::size_t j = 0; j < kept.size(); ++j) {
    column_.emplace(kept[j].key, static_cast<std::int64_t>(j));
    terms_.push_back(std::move(kept[j].text));
    idf_.push_back(std::log((1.0 + n) / (1.0 + static_cast<double>(kept[j].df))) + 1.0);
  }
}

std::vector<std::pair<std::int64_t, std::int64_t>> Tfidf::term_counts(const std::string& text) const {
  const auto tokens = tokenize(text, settings_.stop_words);
  std::vector<std::int64_t> columns;
  std::int64_t previous = -1;
  const auto count = [&](std::uint64_t key) {
    const auto it = column_.find(key);
    if (it != column_.end()) columns.push_back(it->second);
  };
  for (const auto& token : tokens) {
    const auto it = tokens_.find(token);
    const std::int64_t id = it == tokens_.end() ? -1 : it->second;
    if (id >= 0) count(unigram(id));
    if (settings_.bigrams && previous >= 0 && id >= 0) count(bigram(previous, id));
    previous = id;
  }
  return count_columns(std::move(columns));
}

at::Tensor Tfidf::transform(const std::vector<std::string>& documents) const {
  const auto rows = static_cast<std::int64_t>(documents.size());
  std::vector<std::vector<std::pair<std::int64_t, double>>> entries(documents.size());
  at::parallel_for(0, rows, 256, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t d = begin; d < end; ++d) {
      auto& row = entries[static_cast<std::size_t>(d)];
      double norm = 0;
      for (const auto& [column, count] : term_counts(documents[static_cast<std::size_t>(d)])) {
        const double value = (1.0 + std::log(static_cast<double>(count))) * idf_[static_cast<std::size_t>(column)];
        row.emplace_back(column, value);
        norm += value * value;
      }
      norm = std::sqrt(norm);
      for (auto& entry : row) entry.second /= norm;
    }
  });
  std::int64_t nnz = 0;
  for (const auto& row : entries) nnz += static_cast<std::int64_t>(row.size());
  at::Tensor indices = at::empty({2, nnz}, at::kLong);
  at::Tensor values = at::empty({nnz}, at::kDouble);
  auto index = indices.accessor<std::int64_t, 2>();
  auto value = values.accessor<double, 1>();
  std::int64_t k = 0;
  for (std::int64_t d = 0; d < rows; ++d)
    for (const auto& [column, v] : entries[static_cast<std::size_t>(d)]) {
      index[0][k] = d;
      index[1][k] = column;
      value[k] = v;
      ++k;
    }
  // Rows in order, columns sorted within each row: already coalesced.
  return at::_sparse_coo_tensor_unsafe(indices, values, {rows, vocabulary_size()}, at::kDouble)._coalesced_(true);
}

}  // namespace trellis::encoders
