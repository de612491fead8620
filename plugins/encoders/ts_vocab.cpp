#include "ts_vocab.hpp"

#include "trellis/sdk/text_input.hpp"
#include "trellis/sdk/error.hpp"

namespace trellis::encoders {

Vocab Vocab::read(const std::string& path, const std::string& who) {
  sdk::TextInput lines(path, "option 'vocab'");
  Vocab vocab;
  vocab.name_ = path;
  std::int64_t id = 0;
  std::string token;
  // A repeated token takes its last line's id, as HuggingFace's load_vocab does.
  while (lines.next(token)) vocab.ids_[token] = id++;
  if (vocab.ids_.empty())
    throw sdk::Error("vocabulary '" + path + "' is empty; it needs one token per line (id = line number)");
  return vocab;
}

Vocab Vocab::of(const std::unordered_map<std::string, std::int64_t>& ids, std::string name) {
  Vocab vocab;
  vocab.ids_ = ids;
  vocab.name_ = std::move(name);
  return vocab;
}

std::optional<std::int64_t> Vocab::find(const std::string& token) const {
  const auto it = ids_.find(token);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

std::int64_t Vocab::require(const std::string& token, const std::string& who) const {
  if (const auto id = find(token)) return *id;
  throw sdk::Error("vocabulary '" + name_ + "' has no " + token +
                   " token; use the vocab.txt that came with the model (one token per line, id = line number)");
}

}  // namespace trellis::encoders
