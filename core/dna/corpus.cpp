#include "trellis/dna/corpus.hpp"

#include <set>

#include "trellis/sdk/dna_sequence.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/log.hpp"

namespace trellis::core::dna {

namespace {

// FNV-1a over the seed and the name: a split that depends only on the two.
double unit_hash(const std::string& name, std::uint64_t seed) {
  std::uint64_t h = 1469598103934665603ULL ^ (seed * 0x9E3779B97F4A7C15ULL);
  for (unsigned char c : name) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return static_cast<double>(h >> 11) / static_cast<double>(1ULL << 53);
}

std::string joined(const std::vector<std::string>& files) {
  std::string out;
  for (const auto& f : files) out += (out.empty() ? "'" : ", '") + f + "'";
  return out;
}

}  // namespace

std::string split_group(const std::string& id) {
  const auto underscore = id.rfind('_');
  if (underscore != std::string::npos && underscore > 0 && underscore + 1 < id.size() &&
      id.find_first_not_of("0123456789", underscore + 1) == std::string::npos)
    return id.substr(0, underscore);
  return id;
}

std::vector<std::int64_t> window_starts(std::int64_t length, std::int64_t window, std::int64_t stride) {
  if (length <= window) return {0};
  std::vector<std::int64_t> starts;
  for (std::int64_t s = 0; s + window <= length; s += stride) starts.push_back(s);
  if (starts.back() + window < length) starts.push_back(length - window);
  return starts;
}

Corpus build_corpus(const CorpusSettings& settings) {
  if (settings.files.empty()) throw sdk::Error("[corpus] files is empty: name at least one FASTA or TSV file of DNA");
  Corpus corpus;
  std::set<std::string> train_groups, validation_groups;
  for (const auto& file : settings.files) {
    for (const auto& record : sdk::read_sequence_records(file, "[corpus] files")) {
      ++corpus.records;
      const auto length = static_cast<std::int64_t>(record.sequence.size());
      if (length < settings.min_length) {
        ++corpus.short_records;
        continue;
      }
      const std::string group = split_group(record.id);
      const bool validation = unit_hash(group, settings.seed) < settings.validation_fraction;
      (validation ? validation_groups : train_groups).insert(group);
      Windows& into = validation ? corpus.validation : corpus.train;
      for (const std::int64_t start : window_starts(length, settings.window, settings.stride)) {
        std::string w = record.sequence.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(settings.window));
        w.resize(static_cast<std::size_t>(settings.window), 'N');
        into.sequence.push_back(std::move(w));
        into.record.push_back(record.id);
      }
    }
  }
  corpus.train_groups = static_cast<std::int64_t>(train_groups.size());
  corpus.validation_groups = static_cast<std::int64_t>(validation_groups.size());
  if (corpus.train.sequence.empty())
    throw sdk::Error("the corpus is empty after filtering: " + std::to_string(corpus.records) + " records in " +
                     joined(settings.files) + ", " + std::to_string(corpus.short_records) +
                     " shorter than [corpus] min_length = " + std::to_string(settings.min_length) +
                     "; lower min_length or add sequences");
  if (corpus.validation.sequence.empty())
    throw sdk::Error("no record of " + joined(settings.files) + " fell into validation (validation_fraction = " +
                     std::to_string(settings.validation_fraction) + ", " + std::to_string(corpus.train_groups) +
                     " genes); raise [corpus] validation_fraction or add sequences");
  sdk::log_info("corpus: " + std::to_string(corpus.records) + " records (" + std::to_string(corpus.short_records) +
                " shorter than " + std::to_string(settings.min_length) + " bp left out); " +
                std::to_string(corpus.train.size()) + " training windows from " + std::to_string(corpus.train_groups) +
                " genes, " + std::to_string(corpus.validation.size()) + " validation windows from " +
                std::to_string(corpus.validation_groups) + " genes");
  return corpus;
}

}  // namespace trellis::core::dna
