#include "trellis/dna/context_counts.hpp"

#include <cmath>

#include "trellis/sdk/dna_sequence.hpp"
#include "trellis/sdk/error.hpp"

namespace trellis::core::dna {

void ContextCounts::add(const std::string& sequence) {
  const auto n = sequence.size();
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t base = sdk::dna_token(sequence[i]);
    if (base == sdk::kBaseN) continue;
    const std::int64_t left = i > 0 ? sdk::dna_token(sequence[i - 1]) : sdk::kBaseN;
    const std::int64_t right = i + 1 < n ? sdk::dna_token(sequence[i + 1]) : sdk::kBaseN;
    unigram_[static_cast<std::size_t>(base)] += 1;
    context_[static_cast<std::size_t>((left * 5 + right) * 4 + base)] += 1;
  }
}

double ContextCounts::total() const { return unigram_[0] + unigram_[1] + unigram_[2] + unigram_[3]; }

double ContextCounts::unigram_log_prob(std::int64_t base) const {
  return std::log((unigram_[static_cast<std::size_t>(base)] + 1.0) / (total() + 4.0));
}

double ContextCounts::context_log_prob(std::int64_t left, std::int64_t base, std::int64_t right) const {
  const std::size_t row = static_cast<std::size_t>((left * 5 + right) * 4);
  const double sum = context_[row] + context_[row + 1] + context_[row + 2] + context_[row + 3];
  return std::log((context_[row + static_cast<std::size_t>(base)] + 1.0) / (sum + 4.0));
}

nlohmann::json ContextCounts::to_json() const {
  return {{"unigram", unigram_}, {"context", context_}, {"context_layout", "[left][right][base], tokens A C G T N"}};
}

ContextCounts ContextCounts::from_json(const nlohmann::json& json, const std::string& where) {
  ContextCounts c;
  try {
    const auto unigram = json.at("unigram").get<std::vector<double>>();
    const auto context = json.at("context").get<std::vector<double>>();
    if (unigram.size() != c.unigram_.size() || context.size() != c.context_.size())
      throw sdk::Error("wrong number of counts");
    std::copy(unigram.begin(), unigram.end(), c.unigram_.begin());
    std::copy(context.begin(), context.end(), c.context_.begin());
  } catch (const std::exception& e) {
    throw sdk::Error(where + ": the base counts are malformed (" + e.what() + "); train the model again");
  }
  return c;
}

}  // namespace trellis::core::dna
