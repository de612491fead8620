#include "top_k.hpp"

#include <algorithm>
#include <cstdio>

#include <ATen/ATen.h>

namespace trellis::graphs {

void keep_top_k(std::vector<Scored>& candidates, std::int64_t k, double threshold) {
  candidates.erase(std::remove_if(candidates.begin(), candidates.end(),
                                  [&](const Scored& s) { return !(s.score > threshold); }),
                   candidates.end());
  const auto better = [](const Scored& a, const Scored& b) {
    return a.score != b.score ? a.score > b.score : a.partner < b.partner;
  };
  const auto keep = static_cast<std::size_t>(std::max<std::int64_t>(k, 0));
  if (candidates.size() > keep) {
    std::nth_element(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(keep), candidates.end(),
                     better);
    candidates.resize(keep);
  }
  std::sort(candidates.begin(), candidates.end(), better);
}

std::string format_number(double x) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4g", x);
  return buffer;
}

sdk::Graph graph_from_edges(const std::string& name, std::int64_t num_nodes, const std::vector<std::int64_t>& sources,
                            const std::vector<std::int64_t>& targets, const std::vector<float>& weights) {
  const auto e = static_cast<std::int64_t>(sources.size());
  sdk::Graph graph;
  graph.name = name;
  graph.num_nodes = num_nodes;
  graph.edge_index = at::empty({2, e}, at::kLong);
  graph.weight = at::empty({e}, at::kFloat);
  std::copy(sources.begin(), sources.end(), graph.edge_index.data_ptr<std::int64_t>());
  std::copy(targets.begin(), targets.end(), graph.edge_index.data_ptr<std::int64_t>() + e);
  std::copy(weights.begin(), weights.end(), graph.weight.data_ptr<float>());
  graph.validate();
  return graph;
}

sdk::Graph graph_from_neighbours(const std::string& name, std::int64_t num_nodes,
                                 const std::vector<std::vector<Scored>>& neighbours,
                                 const std::vector<std::int64_t>& node_of) {
  const auto node = [&](std::int64_t i) { return node_of.empty() ? i : node_of[static_cast<std::size_t>(i)]; };
  std::vector<std::int64_t> sources, targets;
  std::vector<float> weights;
  for (std::size_t gene = 0; gene < neighbours.size(); ++gene)
    for (const auto& s : neighbours[gene]) {
      sources.push_back(node(s.partner));
      targets.push_back(node(static_cast<std::int64_t>(gene)));
      weights.push_back(static_cast<float>(s.score));
    }
  return graph_from_edges(name, num_nodes, sources, targets, weights);
}

}  // namespace trellis::graphs
