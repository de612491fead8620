#include "trellis/sdk/nn/graph_encoder.hpp"

#include <ATen/ATen.h>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/nn/gat.hpp"
#include "trellis/sdk/nn/gcn.hpp"
#include "trellis/sdk/nn/gin.hpp"
#include "trellis/sdk/nn/sage.hpp"
#include "trellis/sdk/nn/sgconv.hpp"

namespace trellis::sdk::nn {

at::Tensor sample_in_edges(const at::Tensor& edge_index, std::int64_t num_nodes, std::int64_t k,
                           at::Generator& generator) {
  const std::int64_t e = edge_index.size(1);
  if (k <= 0 || e == 0) return edge_index;
  // Nothing to drop when no gene has more than k in-neighbours (e.g. a
  // top-20 co-expression graph at k = 25): skip the draw.
  if (at::bincount(edge_index[1], {}, num_nodes).max().item<std::int64_t>() <= k) return edge_index;
  // Random order, then grouped by target (stable): each target's in-edges
  // in random order; the first k of each group are kept.
  const at::Tensor shuffled = at::randperm(e, generator, at::kLong);
  const at::Tensor targets = edge_index[1].index_select(0, shuffled);
  const at::Tensor grouped = std::get<1>(at::sort(targets, /*stable=*/true, 0, false));
  const at::Tensor order = shuffled.index_select(0, grouped);
  const at::Tensor sorted_targets = targets.index_select(0, grouped);
  const at::Tensor counts = at::bincount(sorted_targets, {}, num_nodes);
  const at::Tensor starts = counts.cumsum(0) - counts;
  const at::Tensor rank = at::arange(e, at::kLong) - starts.index_select(0, sorted_targets);
  const at::Tensor kept = std::get<0>(at::sort(order.masked_select(rank < k)));
  return edge_index.index_select(1, kept);
}

GraphEncoderImpl::GraphEncoderImpl(const std::string& kind, std::int64_t in, std::int64_t hidden,
                                   std::int64_t layers) {
  for (std::int64_t l = 0; l < layers; ++l) {
    const std::int64_t width = l == 0 ? in : hidden;
    const std::string name = "layer" + std::to_string(l);
    if (kind == "sage") {
      auto layer = register_module(name, SAGEConv(width, hidden));
      layers_.push_back([layer](const at::Tensor& x, const at::Tensor& e) { return layer->forward(x, e); });
    } else if (kind == "gcn") {
      auto layer = register_module(name, GCNConv(width, hidden));
      layers_.push_back([layer](const at::Tensor& x, const at::Tensor& e) { return layer->forward(x, e); });
    } else if (kind == "gin") {
      auto layer = register_module(name, GINConv(width, hidden));
      layers_.push_back([layer](const at::Tensor& x, const at::Tensor& e) { return layer->forward(x, e); });
    } else if (kind == "gat") {
      // Four heads averaged: the output keeps the width `hidden`.
      GATConvOptions options(width, hidden);
      options.heads = 4;
      options.concat = false;
      auto layer = register_module(name, GATConv(options));
      layers_.push_back([layer](const at::Tensor& x, const at::Tensor& e) { return layer->forward(x, e); });
    } else if (kind == "sgconv") {
      auto layer = register_module(name, SGConv(width, hidden));
      layers_.push_back([layer](const at::Tensor& x, const at::Tensor& e) { return layer->forward(x, e); });
    } else {
      throw Error("encoder = '" + kind + "' is not one of sage, gcn, gin, gat, sgconv");
    }
  }
}

at::Tensor GraphEncoderImpl::forward(const at::Tensor& x, const at::Tensor& edge_index,
                                     const std::vector<std::int64_t>& neighbours, at::Generator* generator) {
  at::Tensor h = x;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const at::Tensor edges = generator && l < neighbours.size()
                                 ? sample_in_edges(edge_index, x.size(0), neighbours[l], *generator)
                                 : edge_index;
    h = layers_[l](h, edges);
    if (l + 1 < layers_.size()) h = at::relu(h);
  }
  return h;
}

}  // namespace trellis::sdk::nn
