#pragma once
// Seeded, platform-independent sampling and the gene bookkeeping of splits.

#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "trellis/sdk/data.hpp"
#include "trellis/sdk/split.hpp"

namespace trellis::core::split {

/// Uniform integer in [0, bound) by rejection, so the stream of results is
/// the same on every platform (std::uniform_int_distribution is not).
std::uint64_t uniform_below(std::mt19937_64& rng, std::uint64_t bound);

/// Fisher-Yates shuffle driven by uniform_below.
template <class T>
void shuffle(std::vector<T>& items, std::mt19937_64& rng) {
  for (std::size_t i = items.size(); i > 1; --i) {
    const auto j = static_cast<std::size_t>(uniform_below(rng, i));
    std::swap(items[i - 1], items[j]);
  }
}

/// floor(n * fraction), robust to 0.7 * 10 = 6.9999...
std::size_t fraction_of(std::size_t n, double fraction);

/// Sorted distinct perturbed genes of `conditions`.
std::vector<std::string> perturbed_genes(const std::vector<sdk::Condition>& conditions);

/// Distinct genes of the conditions named in `names`.
std::set<std::string> genes_of(const std::vector<std::string>& names, const std::vector<sdk::Condition>& conditions);

/// How a test condition relates to the genes of the training set:
/// `unseen_single` / `seen_single` for one gene, `combo_seen<k>` for
/// combinations (k seen genes, capped at 2).
std::string subgroup_of(const sdk::Condition& condition, const std::set<std::string>& seen);

/// Subgroups of the test conditions from the genes actually present in the
/// training conditions.
std::map<std::string, std::vector<std::string>> subgroups_from_training(
    const sdk::Split& split, const std::vector<sdk::Condition>& conditions);

/// Checks a split against the conditions: every name is a condition (errors
/// name the unknown ones), no condition is in two sets or twice in one, and
/// the test set is not empty. `where` names the source (file or splitter).
void validate_split(const sdk::Split& split, const std::vector<sdk::Condition>& conditions, const std::string& where);

}  // namespace trellis::core::split
