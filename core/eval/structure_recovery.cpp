#include "trellis/eval/structure_recovery.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <unordered_map>

#include <ATen/ATen.h>

#include "trellis/sdk/text_input.hpp"
#include "trellis/sdk/data.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/graph.hpp"
#include "trellis/sdk/network.hpp"

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

sdk::ScoredEdges scored_edges(const EdgeList& edges) {
  sdk::ScoredEdges out;
  out.regulator = edges.source;
  out.target = edges.target;
  out.score.reserve(edges.size());
  for (const double w : edges.weight) out.score.push_back(std::abs(w));
  return out;
}

}  // namespace trellis::core::eval
