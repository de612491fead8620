#pragma once
// GAT layers run for many perturbation conditions at once without copying
// the graph per condition.
//
// A condition changes the input rows of its perturbed genes only. A GAT
// layer's output then differs from the unperturbed ("base") output only at
// the changed nodes and their out-neighbours (the targets whose attention or
// messages involve a changed row). So each layer computes the base output
// for every node once, plus, per condition, the rows that differ: the
// "extras". A layer's input and output are tables `[N + X, width]`: N base
// rows, then X extra rows, with per condition the list of (node, table row)
// pairs that override the base. Every extra row is recomputed exactly (all
// of its target's incoming edges, self loop included), so the result equals
// running the layer on each condition's full input.

#include <cstdint>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

namespace trellis::sdk::nn {
class GATConvImpl;
}

namespace trellis::grape {

/// One relation's edges prepared for the layers: the SDK GAT's self-loop
/// rule (existing loops dropped, one of weight 1 per node added), sorted by
/// target, with host-side adjacency lists.
struct Adjacency {
  std::int64_t nodes = 0;
  at::Tensor source, target, weight;  ///< [E'] int64, int64, float (may carry gradients)
  std::vector<std::int64_t> in_start;  ///< [N + 1]: edges of target t are in_start[t] .. in_start[t + 1]
  std::vector<std::int64_t> src;       ///< host copy of `source`
  std::vector<std::int64_t> out_start, out_target;  ///< CSR of out-neighbours (self loops excluded)
};

/// `edge_index` [2, E] (row 0 sources), `weight` [E] or undefined (ones).
Adjacency make_adjacency(const at::Tensor& edge_index, const at::Tensor& weight, std::int64_t nodes);

/// Per condition: (node, row of the table) pairs overriding the base rows.
using Overrides = std::vector<std::vector<std::pair<std::int64_t, std::int64_t>>>;

struct LayerTable {
  at::Tensor table;     ///< [N + X, width]
  Overrides overrides;  ///< per condition
};

/// `layer`'s output for the base input and for every condition's overrides,
/// using the layer's parameters (lin, att_src, att_dst, bias) and options
/// (heads, concat, negative_slope, dropout in training).
LayerTable gat_layer(sdk::nn::GATConvImpl& layer, const Adjacency& adjacency, const LayerTable& input, bool training);

/// out[slot[e]] += coef[e, h] * x[source[e], h, :], `[slots, heads, c]`,
/// differentiable w.r.t. `x` [R, heads, c] and `coef` [E, heads]; no
/// [E, heads, c] tensor is ever made.
at::Tensor weighted_aggregate(const at::Tensor& x, const at::Tensor& coef, const at::Tensor& source,
                              const at::Tensor& slot, std::int64_t slots);

}  // namespace trellis::grape
