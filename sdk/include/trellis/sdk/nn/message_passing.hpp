#pragma once
/// @file message_passing.hpp
/// Building blocks shared by the graph layers: input checks that fail with
/// messages naming the layer and the shapes, sum aggregation over edges, self
/// loops and GCN normalisation.
///
/// Edges follow the PyTorch Geometric convention used by trellis::sdk::Graph:
/// edge `e` carries a message from `edge_index[0][e]` (source) to
/// `edge_index[1][e]` (target).

#include <cstdint>
#include <string>
#include <utility>

#include <ATen/core/Tensor.h>

#include "trellis/sdk/export.hpp"

namespace trellis::sdk::nn {

/// Formats a tensor's shape as `[3, 5]` (or `undefined`) for error messages.
TRELLIS_SDK_API std::string format_shape(const at::Tensor& t);

/// Checks that `edge_index` is an int64 tensor of shape `[2, E]` whose node
/// ids all lie in `[0, num_nodes)`; also rejects a negative `num_nodes`.
///
/// @param edge_index the edges, row 0 sources, row 1 targets.
/// @param num_nodes  number of nodes of the graph.
/// @param who        name of the caller, the first word of the message.
/// @throws trellis::sdk::Error e.g. "GCNConv: edge_index must have shape
///         [2, E], got [3, 5]".
TRELLIS_SDK_API void check_edge_index(const at::Tensor& edge_index, std::int64_t num_nodes,
                                      const std::string& who);

/// Checks an optional edge weight: undefined (meaning all ones) or a
/// floating-point tensor of shape `[num_edges]`.
///
/// @param weight    the edge weights, or undefined.
/// @param num_edges `E` of the matching edge_index.
/// @param who       name of the caller, the first word of the message.
/// @throws trellis::sdk::Error naming `who` and both shapes.
TRELLIS_SDK_API void check_edge_weight(const at::Tensor& weight, std::int64_t num_edges,
                                       const std::string& who);

/// Checks that node features `x` are a floating-point `[N, F]` tensor.
///
/// @param x           the node features.
/// @param in_features the `F` the caller expects; a negative value accepts any.
/// @param who         name of the caller, the first word of the message.
/// @throws trellis::sdk::Error naming `who`, the expected and the actual shape.
TRELLIS_SDK_API void check_node_features(const at::Tensor& x, std::int64_t in_features,
                                         const std::string& who);

/// Node features `x` of any width: same as
/// `check_node_features(x, -1, who)`.
TRELLIS_SDK_API void check_node_features(const at::Tensor& x, const std::string& who);

/// Checks the inputs of a graph layer's `forward(x, edge_index, weight)`:
/// check_node_features(x, in_features, who), then
/// check_edge_index(edge_index, x.size(0), who), then
/// check_edge_weight(weight, edge_index.size(1), who).
///
/// @param x           `[N, F]` floating-point node features.
/// @param in_features the `F` the layer expects; a negative value accepts any.
/// @param edge_index  `[2, E]` int64 with ids in `[0, N)`.
/// @param weight      `[E]` floating point, or undefined.
/// @param who         name of the layer, the first word of the message.
/// @throws trellis::sdk::Error from the first check that fails.
TRELLIS_SDK_API void check_layer_inputs(const at::Tensor& x, std::int64_t in_features,
                                        const at::Tensor& edge_index, const at::Tensor& weight,
                                        const std::string& who);

/// Sum aggregation: `out[dst] += weight[e] * x[src]` over every edge
/// `e = (src, dst)`.
///
/// Differentiable with respect to `x` and `weight`. When `weight` does not
/// require a gradient it is one sparse matrix product (about ten times
/// faster on CPU than per-edge messages); otherwise per-edge messages summed
/// with `index_add`. Nodes without incoming edges get zeros.
///
/// @param x          `[num_nodes, ...]` floating-point features.
/// @param edge_index `[2, E]` int64.
/// @param weight     `[E]`, or undefined for all ones; cast to `x`'s dtype.
/// @param num_nodes  number of nodes; must equal `x.size(0)`.
/// @return `[num_nodes, ...]`, same trailing shape and dtype as `x`.
/// @throws trellis::sdk::Error on inconsistent shapes or ids.
TRELLIS_SDK_API at::Tensor propagate(const at::Tensor& x, const at::Tensor& edge_index,
                                     const at::Tensor& weight, std::int64_t num_nodes);

/// Softmax of edge scores over the edges that share a target:
/// `out[e] = exp(s[e]) / sum_{e' : index[e'] = index[e]} exp(s[e'])`.
///
/// The attention normalisation of GAT-like layers. Numerically stable (the
/// per-target maximum is subtracted first) and differentiable w.r.t. `scores`.
///
/// @param scores    `[E, ...]` floating point; trailing dimensions (e.g.
///                  heads) are normalised independently.
/// @param index     `[E]` int64 target of each edge, e.g. `edge_index[1]`.
/// @param num_nodes number of targets; ids must lie in `[0, num_nodes)`.
/// @return `[E, ...]`, summing to one over the edges of every target.
TRELLIS_SDK_API at::Tensor segment_softmax(const at::Tensor& scores, const at::Tensor& index,
                                           std::int64_t num_nodes);

/// Appends one self loop `(i, i)` per node, after the existing edges and in
/// node order; existing self loops are kept, so a node that had one ends up
/// with two.
///
/// @param edge_index `[2, E]` int64.
/// @param weight     undefined for an unweighted graph (the result's weight is
///                   then undefined too), else `[E]`.
/// @param num_nodes  number of nodes, each of which gets a loop.
/// @param fill       weight of the new loops (default 1).
/// @return `{edge_index [2, E + N], weight [E + N] or undefined}`.
TRELLIS_SDK_API std::pair<at::Tensor, at::Tensor> add_self_loops(const at::Tensor& edge_index,
                                                                 const at::Tensor& weight,
                                                                 std::int64_t num_nodes,
                                                                 double fill = 1.0);

/// Drops every edge `(i, i)`, and its weight when one is given.
///
/// @param edge_index `[2, E]` int64.
/// @param weight     `[E]`, or undefined.
/// @return `{edge_index [2, E'], weight [E'] or undefined}`.
TRELLIS_SDK_API std::pair<at::Tensor, at::Tensor> remove_self_loops(const at::Tensor& edge_index,
                                                                    const at::Tensor& weight);

/// Symmetric GCN normalisation `D^-1/2 (A + I) D^-1/2` as edge weights.
///
/// The degree of a node is its weighted in-degree (sum of the weights of the
/// edges that target it, counting its self loop), as in PyTorch Geometric's
/// `gcn_norm`; edge `(j -> i)` gets `w_ji / sqrt(deg_j * deg_i)`. Nodes with a
/// non-positive degree contribute 0 instead of inf/NaN. Unlike PyG, which adds
/// only the missing self loops, `add_self_loops = true` adds one loop to every
/// node (exactly `A + I`).
///
/// @param edge_index     `[2, E]` int64.
/// @param weight         `[E]`, or undefined for all ones (float32).
/// @param num_nodes      number of nodes.
/// @param add_self_loops add `I` first (default true).
/// @return `{edge_index, normalised weight}`; with self loops the edge list is
///         that of trellis::sdk::nn::add_self_loops. Differentiable w.r.t.
///         `weight`.
TRELLIS_SDK_API std::pair<at::Tensor, at::Tensor> gcn_norm(const at::Tensor& edge_index,
                                                           const at::Tensor& weight,
                                                           std::int64_t num_nodes,
                                                           bool add_self_loops = true);

}  // namespace trellis::sdk::nn
