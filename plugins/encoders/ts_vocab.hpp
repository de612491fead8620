#pragma once
// Token vocabularies of pretrained language models: a vocab.txt with one
// token per line, the token's id being its 0-based line number (the format
// of BERT, DNABERT and Nucleotide Transformer checkpoints).

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

namespace trellis::encoders {

class Vocab {
 public:
  /// Reads `path` (plain or gzip); throws sdk::Error naming `who` and the
  /// path when it is missing, unreadable or empty.
  static Vocab read(const std::string& path, const std::string& who);
  /// Builds a vocabulary from (token, id) pairs, e.g. built-in defaults.
  static Vocab of(const std::unordered_map<std::string, std::int64_t>& ids, std::string name);

  std::optional<std::int64_t> find(const std::string& token) const;
  /// The id of a token the model cannot work without; throws sdk::Error
  /// naming `who`, the vocabulary file and the token when it is absent.
  std::int64_t require(const std::string& token, const std::string& who) const;
  /// Calls `f(token)` for every token, in no particular order.
  template <class F>
  void for_each_token(F&& f) const {
    for (const auto& entry : ids_) f(entry.first);
  }
  std::int64_t size() const { return static_cast<std::int64_t>(ids_.size()); }
  /// The file it came from (or a description of a built-in vocabulary).
  const std::string& name() const { return name_; }

 private:
  std::unordered_map<std::string, std::int64_t> ids_;
  std::string name_;
};

}  // namespace trellis::encoders
