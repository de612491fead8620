#include "grape_network.hpp"

#include <ATen/ATen.h>

namespace trellis::grape {

sdk::ScoredEdges scored_edges(const sdk::Graph& graph, const sdk::GeneTable& genes) {
  const at::Tensor index = graph.edge_index.to(at::kLong).contiguous();
  const at::Tensor weight = graph.weights_or_ones().detach().to(at::kDouble).contiguous();
  const std::int64_t m = graph.num_edges();
  const auto* src = index.data_ptr<std::int64_t>();
  const auto* dst = src + m;
  const auto* w = weight.data_ptr<double>();
  sdk::ScoredEdges out;
  out.regulator.reserve(static_cast<std::size_t>(m));
  out.target.reserve(static_cast<std::size_t>(m));
  out.score.reserve(static_cast<std::size_t>(m));
  for (std::int64_t e = 0; e < m; ++e) {
    out.regulator.push_back(genes.at(src[e]).symbol);
    out.target.push_back(genes.at(dst[e]).symbol);
    out.score.push_back(w[e]);
  }
  return out;
}

}  // namespace trellis::grape
