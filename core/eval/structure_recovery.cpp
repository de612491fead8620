#include "trellis/eval/structure_recovery.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <unordered_map>

#include <ATen/ATen.h>

#include "trellis/sdk/text_input.hpp"
#include "trellis/sdk/data.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/graph.hpp"

namespace trellis::core::eval {

namespace {

using Pair = std::pair<std::int64_t, std::int64_t>;

Pair undirected(std::int64_t a, std::int64_t b) { return a < b ? Pair{a, b} : Pair{b, a}; }

}  // namespace

EdgeList read_edge_list(const std::filesystem::path& file) {
  sdk::TextInput in(file);
  std::string_view view;
  if (!in.next(view))
    throw sdk::Error(file.string() + ": empty file; expected a header line (e.g. source<TAB>target<TAB>weight)");
  const auto header = sdk::split_fields(view);
  if (header.size() < 2)
    throw sdk::Error(file.string() + ": the header has " + std::to_string(header.size()) +
                     " column(s); expected tab-separated endpoint columns (e.g. source<TAB>target)");
  std::optional<std::size_t> weight_column;
  for (std::size_t c = 2; c < header.size(); ++c)
    if (header[c] == "weight") weight_column = c;
  EdgeList edges;
  while (in.next(view)) {
    if (view.empty()) continue;
    const auto fields = sdk::split_fields(view);
    const std::string where = file.string() + ":" + std::to_string(in.line_number());
    const std::size_t needed = weight_column ? *weight_column + 1 : 2;
    if (fields.size() < needed)
      throw sdk::Error(where + ": " + std::to_string(fields.size()) + " field(s), expected at least " +
                       std::to_string(needed));
    double weight = 1.0;
    if (weight_column) {
      const std::string& text = fields[*weight_column];
      char* end = nullptr;
      weight = std::strtod(text.c_str(), &end);
      if (end == text.c_str() || *end != '\0' || !std::isfinite(weight))
        throw sdk::Error(where + ": weight '" + text + "' is not a finite number");
    }
    edges.source.push_back(fields[0]);
    edges.target.push_back(fields[1]);
    edges.weight.push_back(weight);
  }
  return edges;
}

EdgeList random_graph(const std::vector<std::string>& nodes, std::int64_t edges, std::uint64_t seed) {
  const auto n = static_cast<std::int64_t>(nodes.size());
  const std::int64_t possible = n * (n - 1) / 2;
  edges = std::min(edges, possible);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::int64_t> pick(0, n - 1);
  std::set<Pair> chosen;
  EdgeList out;
  while (static_cast<std::int64_t>(chosen.size()) < edges) {
    const std::int64_t a = pick(rng), b = pick(rng);
    if (a == b || !chosen.insert(undirected(a, b)).second) continue;
    out.source.push_back(nodes[static_cast<std::size_t>(a)]);
    out.target.push_back(nodes[static_cast<std::size_t>(b)]);
    out.weight.push_back(1.0);
  }
  return out;
}

RecoveryScore score_recovery(const EdgeList& graph, const EdgeList& truth, const std::vector<std::string>& nodes) {
  std::unordered_map<std::string, std::int64_t> id;
  for (const auto& name : nodes) id.emplace(name, static_cast<std::int64_t>(id.size()));
  const auto n = static_cast<std::int64_t>(id.size());
  const auto pairs_of = [&](const EdgeList& edges) {
    std::map<Pair, double> out;  // undirected pair -> its strongest |weight|
    for (std::size_t e = 0; e < edges.size(); ++e) {
      const auto a = id.find(edges.source[e]), b = id.find(edges.target[e]);
      if (a == id.end() || b == id.end() || a->second == b->second) continue;
      double& w = out[undirected(a->second, b->second)];
      w = std::max(w, std::abs(edges.weight[e]));
    }
    return out;
  };
  const auto true_pairs = pairs_of(truth);
  const auto scored = pairs_of(graph);

  RecoveryScore s;
  s.edges = static_cast<std::int64_t>(scored.size());
  s.true_edges = static_cast<std::int64_t>(true_pairs.size());
  const double possible = 0.5 * static_cast<double>(n) * static_cast<double>(n - 1);
  if (s.true_edges == 0 || possible <= 0)
    throw sdk::Error("structure recovery: the true network has no edge between the " + std::to_string(n) +
                     " genes scored; check that both files name genes the same way (symbols)");
  s.density = s.true_edges / possible;

  // Rank the graph's pairs by weight (ties by pair, so the order is fixed).
  std::vector<std::pair<double, Pair>> ranked;
  for (const auto& [pair, w] : scored) ranked.emplace_back(w, pair);
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
  double ap = 0;
  std::int64_t hits = 0, position = 0;
  std::int64_t early_hits = 0;
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
  s.auprc_ratio = s.auprc / s.density;
  // Early precision over the top true_edges pairs; a graph with fewer edges
  // is topped up by random pairs at the truth's density.
  const double listed = static_cast<double>(std::min<std::int64_t>(position, s.true_edges));
  const double topped = static_cast<double>(s.true_edges) - listed;
  const double rest_density = rest > 0 ? static_cast<double>(rest_true) / rest : 0.0;
  s.early_precision = (static_cast<double>(early_hits) + topped * rest_density) / static_cast<double>(s.true_edges);
  s.early_precision_ratio = s.early_precision / s.density;
  return s;
}

}  // namespace trellis::core::eval
