#include "trellis/split/condition_sets.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "trellis/sdk/error.hpp"

namespace trellis::core::split {
namespace {

std::string listed(const std::vector<std::string>& names, std::size_t max = 10) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < max; ++i) out += (i ? ", '" : "'") + names[i] + "'";
  if (names.size() > max) out += " and " + std::to_string(names.size() - max) + " more";
  return out;
}

}  // namespace

std::uint64_t uniform_below(std::mt19937_64& rng, std::uint64_t bound) {
  // 2^64 mod bound values at the bottom would be over-represented; skip them.
  const std::uint64_t threshold = (0 - bound) % bound;
  for (;;) {
    const std::uint64_t r = rng();
    if (r >= threshold) return r % bound;
  }
}

std::size_t fraction_of(std::size_t n, double fraction) {
  return static_cast<std::size_t>(std::floor(static_cast<double>(n) * fraction + 1e-9));
}

std::vector<std::string> perturbed_genes(const std::vector<sdk::Condition>& conditions) {
  std::set<std::string> genes;
  for (const auto& c : conditions) genes.insert(c.genes.begin(), c.genes.end());
  return {genes.begin(), genes.end()};
}

std::set<std::string> genes_of(const std::vector<std::string>& names, const std::vector<sdk::Condition>& conditions) {
  std::map<std::string, const sdk::Condition*> by_name;
  for (const auto& c : conditions) by_name[c.name] = &c;
  std::set<std::string> genes;
  for (const auto& n : names) {
    const auto it = by_name.find(n);
    if (it != by_name.end()) genes.insert(it->second->genes.begin(), it->second->genes.end());
  }
  return genes;
}

std::string subgroup_of(const sdk::Condition& condition, const std::set<std::string>& seen) {
  std::size_t k = 0;
  for (const auto& g : condition.genes) k += seen.count(g);
  if (condition.genes.size() == 1) return k ? "seen_single" : "unseen_single";
  return "combo_seen" + std::to_string(std::min<std::size_t>(k, 2));
}

std::map<std::string, std::vector<std::string>> subgroups_from_training(
    const sdk::Split& split, const std::vector<sdk::Condition>& conditions) {
  const auto seen = genes_of(split.train, conditions);
  std::map<std::string, const sdk::Condition*> by_name;
  for (const auto& c : conditions) by_name[c.name] = &c;
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& name : split.test) {
    const auto it = by_name.find(name);
    if (it != by_name.end()) out[subgroup_of(*it->second, seen)].push_back(name);
  }
  return out;
}

void validate_split(const sdk::Split& split, const std::vector<sdk::Condition>& conditions, const std::string& where) {
  std::set<std::string> known;
  for (const auto& c : conditions) known.insert(c.name);
  std::vector<std::string> unknown;
  std::map<std::string, std::vector<std::string>> membership;
  const std::pair<const char*, const std::vector<std::string>*> sets[] = {
      {"train", &split.train}, {"val", &split.val}, {"test", &split.test}};
  for (const auto& [set_name, names] : sets) {
    for (const auto& n : *names) {
      if (!known.count(n)) unknown.push_back(n);
      membership[n].push_back(set_name);
    }
  }
  if (!unknown.empty()) {
    throw sdk::Error("split " + where + " names " + std::to_string(unknown.size()) +
                     " condition(s) that are not perturbed conditions of the data: " + listed(unknown) +
                     ". Use the condition names as spelled in the data (control belongs in no set)");
  }
  std::vector<std::string> overlap;
  for (const auto& [name, in] : membership) {
    if (in.size() < 2) continue;
    std::string sets_text;
    for (std::size_t i = 0; i < in.size(); ++i) sets_text += (i ? "+" : "") + in[i];
    overlap.push_back(name + "' (" + sets_text + ")");
  }
  if (!overlap.empty()) {
    std::string text;
    for (std::size_t i = 0; i < overlap.size() && i < 10; ++i) text += (i ? ", '" : "'") + overlap[i];
    throw sdk::Error("split " + where + " puts conditions in more than one set (or twice in one): " + text +
                     ". Each condition may appear in at most one of train, val and test");
  }
  if (split.test.empty()) {
    throw sdk::Error("the split has an empty test set; " + where +
                     " selected no test conditions. Use a larger test fraction, another seed or another split "
                     "(e.g. splitter/single when the data has no combinations)");
  }
}

}  // namespace trellis::core::split
