#include "ts_dna_tokenizer.hpp"

#include <utility>

#include "trellis/sdk/error.hpp"

namespace trellis::encoders {

namespace {
constexpr const char* kBases = "ACGTN";

int base_index(char base) {
  switch (base) {
    case 'A': return 0;
    case 'C': return 1;
    case 'G': return 2;
    case 'T': return 3;
    default: return 4;
  }
}
}  // namespace

Vocab DnaTokenizer::default_vocab() {
  return Vocab::of({{"[PAD]", 0}, {"[CLS]", 1}, {"[SEP]", 2}, {"A", 3}, {"C", 4}, {"G", 5}, {"T", 6}, {"N", 7}},
                   "the built-in DNA vocabulary ([PAD]=0 [CLS]=1 [SEP]=2 A=3 C=4 G=5 T=6 N=7)");
}

DnaTokenizer::DnaTokenizer(Vocab vocab, Mode mode, std::int64_t k, bool add_special_tokens, std::int64_t max_length,
                           std::string who)
    : vocab_(std::move(vocab)), mode_(mode), k_(k), add_special_(add_special_tokens), max_length_(max_length),
      who_(std::move(who)) {
  pad_ = vocab_.require("[PAD]", who_);
  if (add_special_) {
    cls_ = vocab_.require("[CLS]", who_);
    sep_ = vocab_.require("[SEP]", who_);
  }
  const auto unk = vocab_.find("[UNK]");
  for (int b = 0; b < 5; ++b) {
    const auto id = vocab_.find(std::string(1, kBases[b]));
    bases_[b] = id ? *id : unk ? *unk : -1;
    if (bases_[b] < 0 && mode_ == Mode::chars) vocab_.require(std::string(1, kBases[b]), who_);
  }
}

std::int64_t DnaTokenizer::base_id(char base) const {
  const std::int64_t id = bases_[base_index(base)];
  if (id < 0)
    throw sdk::Error("vocabulary '" + vocab_.name() + "' has no token for the base " + base +
                     " (nor [UNK]), needed for a k-mer it lacks; use the vocab.txt that came with the model");
  return id;
}

std::vector<std::int64_t> DnaTokenizer::encode(const std::string& sequence) const {
  const std::size_t room = static_cast<std::size_t>(max_length_ - (add_special_ ? 2 : 0));
  std::vector<std::int64_t> ids;
  ids.reserve(std::min(room, sequence.size()) + 2);
  if (add_special_) ids.push_back(cls_);
  std::size_t used = 0;
  if (mode_ == Mode::chars) {
    for (std::size_t i = 0; i < sequence.size() && used < room; ++i, ++used) ids.push_back(base_id(sequence[i]));
  } else {
    const std::size_t k = static_cast<std::size_t>(k_);
    std::string kmer;
    for (std::size_t i = 0; i < sequence.size() && used < room; i += k) {
      kmer.assign(sequence, i, k);
      const auto id = kmer.size() == k ? vocab_.find(kmer) : std::nullopt;
      if (id) {
        ids.push_back(*id);
        ++used;
        continue;
      }
      for (std::size_t j = 0; j < kmer.size() && used < room; ++j, ++used) ids.push_back(base_id(kmer[j]));
    }
  }
  if (add_special_) ids.push_back(sep_);
  return ids;
}

}  // namespace trellis::encoders
