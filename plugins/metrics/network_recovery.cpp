#include "network_recovery.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

#include "trellis/sdk/error.hpp"

namespace trellis::metrics {

namespace {

using Pair = std::pair<std::int64_t, std::int64_t>;

}  // namespace

Recovery score_recovery(const sdk::GraphMetricInput& input, bool directed) {
  std::unordered_map<std::string, std::int64_t> id;
  for (const auto& name : input.genes) id.emplace(name, static_cast<std::int64_t>(id.size()));
  const auto n = static_cast<std::int64_t>(id.size());
  std::vector<bool> regulator(static_cast<std::size_t>(n), input.regulators.empty());
  for (const auto& name : input.regulators) {
    const auto it = id.find(name);
    if (it != id.end()) regulator[static_cast<std::size_t>(it->second)] = true;
  }
  const auto r = static_cast<std::int64_t>(std::count(regulator.begin(), regulator.end(), true));

  // The candidate pair of an edge, if it is one.
  const auto candidate = [&](const std::string& from, const std::string& to) -> std::optional<Pair> {
    const auto a = id.find(from), b = id.find(to);
    if (a == id.end() || b == id.end() || a->second == b->second) return std::nullopt;
    const bool ra = regulator[static_cast<std::size_t>(a->second)], rb = regulator[static_cast<std::size_t>(b->second)];
    if (directed) {
      if (!ra) return std::nullopt;
      return Pair{a->second, b->second};
    }
    if (!ra && !rb) return std::nullopt;
    return a->second < b->second ? Pair{a->second, b->second} : Pair{b->second, a->second};
  };

  std::map<Pair, bool> true_pairs;
  for (const auto& [from, to] : input.truth)
    if (const auto pair = candidate(from, to)) true_pairs[*pair] = true;
  std::map<Pair, double> scored;  // pair -> its highest score
  for (std::size_t e = 0; e < input.predicted.size(); ++e) {
    const auto pair = candidate(input.predicted.regulator[e], input.predicted.target[e]);
    if (!pair) continue;
    const auto [it, inserted] = scored.emplace(*pair, input.predicted.score[e]);
    if (!inserted) it->second = std::max(it->second, input.predicted.score[e]);
  }

  Recovery s;
  s.candidates = directed ? r * (n - 1) : r * (n - 1) - r * (r - 1) / 2;
  s.edges = static_cast<std::int64_t>(scored.size());
  s.true_edges = static_cast<std::int64_t>(true_pairs.size());
  if (s.true_edges == 0 || s.candidates <= 0)
    throw sdk::Error("the truth network has no edge among the " + std::to_string(s.candidates) +
                     " candidate pairs of the " + std::to_string(n) + " genes scored (" + std::to_string(r) +
                     " of them regulators); check that both networks name genes the same way (symbols)");
  const double possible = static_cast<double>(s.candidates);
  s.density = static_cast<double>(s.true_edges) / possible;

  std::vector<std::pair<double, Pair>> ranked;
  ranked.reserve(scored.size());
  for (const auto& [pair, score] : scored) ranked.emplace_back(score, pair);
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
  double ap = 0;
  std::int64_t hits = 0, position = 0, early_hits = 0;
  for (const auto& item : ranked) {
    ++position;
    if (true_pairs.count(item.second)) {
      ++hits;
      ap += static_cast<double>(hits) / static_cast<double>(position);
      if (position <= s.true_edges) ++early_hits;
    }
  }
  // The remaining pairs come in random order: the i-th of the T remaining
  // true pairs sits, in expectation, at i (M + 1) / (T + 1) among the M rest.
  const double rest = possible - static_cast<double>(position);
  const std::int64_t rest_true = s.true_edges - hits;
  for (std::int64_t i = 1; i <= rest_true; ++i) {
    const double at = static_cast<double>(position) + static_cast<double>(i) * (rest + 1) / (rest_true + 1);
    ap += static_cast<double>(hits + i) / at;
  }
  s.auprc = ap / static_cast<double>(s.true_edges);
  // Early precision over the top true_edges pairs; a prediction with fewer
  // edges is topped up by random pairs at the density of the rest.
  const double listed = static_cast<double>(std::min<std::int64_t>(position, s.true_edges));
  const double topped = static_cast<double>(s.true_edges) - listed;
  const double rest_density = rest > 0 ? static_cast<double>(rest_true) / rest : 0.0;
  s.early_precision = (static_cast<double>(early_hits) + topped * rest_density) / static_cast<double>(s.true_edges);
  return s;
}

}  // namespace trellis::metrics
