// Multi-condition GAT layers (see grape_modules_gat.hpp). The attention
// follows sdk::nn::GATConv exactly (LeakyReLU scores, softmax over a
// target's incoming edges, dropout on the coefficients in training, edge
// weights scaling the messages, heads concatenated or averaged, bias); only
// the bookkeeping differs, and messages are never stored per edge: the
// aggregation and its gradients are loops over edges (edge_loops.hpp).
#include "grape_modules_gat.hpp"

#include <algorithm>
#include <numeric>
#include <unordered_map>

#include <ATen/ATen.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/nn/modules/linear.h>

#include "edge_loops.hpp"
#include "trellis/sdk/nn/gat.hpp"
#include "trellis/sdk/nn/message_passing.hpp"

namespace trellis::grape {

namespace {

/// Edges grouped by `key` (a counting sort): start[k] .. start[k + 1] index
/// `order`, the edges whose key is k, in their original order.
struct Grouping {
  std::vector<std::int64_t> start, order;
};

Grouping group_by(const at::Tensor& key, std::int64_t groups) {
  const auto* k = key.data_ptr<std::int64_t>();
  const std::int64_t e = key.size(0);
  Grouping g;
  g.start.assign(static_cast<std::size_t>(groups + 1), 0);
  for (std::int64_t i = 0; i < e; ++i) ++g.start[static_cast<std::size_t>(k[i] + 1)];
  std::partial_sum(g.start.begin(), g.start.end(), g.start.begin());
  g.order.resize(static_cast<std::size_t>(e));
  std::vector<std::int64_t> fill(g.start.begin(), g.start.end() - 1);
  for (std::int64_t i = 0; i < e; ++i) g.order[static_cast<std::size_t>(fill[static_cast<std::size_t>(k[i])]++)] = i;
  return g;
}

/// out[key[e], h, :] += coef[e, h] * x[other[e], h, :]: each thread owns a
/// range of output rows, so no two threads write the same row.
template <class T>
void gather_add(const at::Tensor& x, const at::Tensor& coef, const at::Tensor& other, const Grouping& by_key,
                at::Tensor& out) {
  const std::int64_t heads = x.size(1), c = x.size(2);
  const T* xv = x.data_ptr<T>();
  const T* cv = coef.data_ptr<T>();
  const auto* o = other.data_ptr<std::int64_t>();
  T* out_v = out.data_ptr<T>();
  run_parts(balanced_parts(by_key.start), [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t row = begin; row < end; ++row)
      for (std::int64_t i = by_key.start[static_cast<std::size_t>(row)]; i < by_key.start[static_cast<std::size_t>(row + 1)]; ++i) {
        const std::int64_t e = by_key.order[static_cast<std::size_t>(i)];
        for (std::int64_t h = 0; h < heads; ++h)
          axpy(cv[e * heads + h], xv + (o[e] * heads + h) * c, out_v + (row * heads + h) * c, c);
      }
  });
}

/// grad_coef[e, h] = <grad[slot[e], h, :], x[source[e], h, :]>.
template <class T>
void edge_dots(const at::Tensor& grad, const at::Tensor& x, const at::Tensor& slot, const at::Tensor& source,
               at::Tensor& out) {
  const std::int64_t heads = x.size(1), c = x.size(2);
  const T* gv = grad.data_ptr<T>();
  const T* xv = x.data_ptr<T>();
  const auto* sl = slot.data_ptr<std::int64_t>();
  const auto* sr = source.data_ptr<std::int64_t>();
  T* o = out.data_ptr<T>();
  run_parts(even_parts(slot.size(0)), [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t e = begin; e < end; ++e)
      for (std::int64_t h = 0; h < heads; ++h)
        o[e * heads + h] = dot(gv + (sl[e] * heads + h) * c, xv + (sr[e] * heads + h) * c, c);
  });
}

class WeightedAggregate : public torch::autograd::Function<WeightedAggregate> {
 public:
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, const at::Tensor& coef,
                            const at::Tensor& source, const at::Tensor& slot, std::int64_t slots) {
    const at::Tensor xc = x.contiguous(), cc = coef.contiguous();
    ctx->save_for_backward({xc, cc, source, slot});
    at::Tensor out = at::zeros({slots, x.size(1), x.size(2)}, x.options());
    const Grouping by_slot = group_by(slot, slots);
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "weighted_aggregate",
                               [&] { gather_add<scalar_t>(xc, cc, source, by_slot, out); });
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor &x = saved[0], &coef = saved[1], &source = saved[2], &slot = saved[3];
    const at::Tensor grad = grads[0].to(x.scalar_type()).contiguous();
    at::Tensor grad_x = at::zeros_like(x);
    at::Tensor grad_coef = at::empty_like(coef);
    const Grouping by_source = group_by(source, x.size(0));
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "weighted_aggregate_backward", [&] {
      gather_add<scalar_t>(grad, coef, slot, by_source, grad_x);
      edge_dots<scalar_t>(grad, x, slot, source, grad_coef);
    });
    return {grad_x, grad_coef, at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

at::Tensor host_tensor(const std::vector<std::int64_t>& v) {
  return at::tensor(v, at::kLong).reshape({static_cast<std::int64_t>(v.size())});
}

}  // namespace

at::Tensor weighted_aggregate(const at::Tensor& x, const at::Tensor& coef, const at::Tensor& source,
                              const at::Tensor& slot, std::int64_t slots) {
  return WeightedAggregate::apply(x, coef, source, slot, slots);
}

Adjacency make_adjacency(const at::Tensor& edge_index, const at::Tensor& weight, std::int64_t nodes) {
  auto w = weight.defined() ? weight.to(at::kFloat) : at::ones({edge_index.size(1)}, at::kFloat);
  auto [ei, ww] = sdk::nn::remove_self_loops(edge_index, w);
  std::tie(ei, ww) = sdk::nn::add_self_loops(ei, ww, nodes, 1.0);
  const at::Tensor order = at::argsort(ei[1] * nodes + ei[0]);
  Adjacency a;
  a.nodes = nodes;
  a.source = ei[0].index_select(0, order).contiguous();
  a.target = ei[1].index_select(0, order).contiguous();
  a.weight = ww.index_select(0, order);
  const std::int64_t e = a.source.size(0);
  a.src.assign(a.source.data_ptr<std::int64_t>(), a.source.data_ptr<std::int64_t>() + e);
  const std::int64_t* dst = a.target.data_ptr<std::int64_t>();
  a.in_start.assign(static_cast<std::size_t>(nodes + 1), 0);
  for (std::int64_t i = 0; i < e; ++i) ++a.in_start[static_cast<std::size_t>(dst[i] + 1)];
  std::partial_sum(a.in_start.begin(), a.in_start.end(), a.in_start.begin());
  a.out_start.assign(static_cast<std::size_t>(nodes + 1), 0);
  for (std::int64_t i = 0; i < e; ++i)
    if (a.src[i] != dst[i]) ++a.out_start[static_cast<std::size_t>(a.src[i] + 1)];
  std::partial_sum(a.out_start.begin(), a.out_start.end(), a.out_start.begin());
  a.out_target.resize(static_cast<std::size_t>(a.out_start.back()));
  std::vector<std::int64_t> fill(a.out_start.begin(), a.out_start.end() - 1);
  for (std::int64_t i = 0; i < e; ++i)
    if (a.src[i] != dst[i]) a.out_target[static_cast<std::size_t>(fill[a.src[i]]++)] = dst[i];
  return a;
}

LayerTable gat_layer(sdk::nn::GATConvImpl& layer, const Adjacency& adj, const LayerTable& input, bool training) {
  const std::int64_t n = adj.nodes;
  const std::int64_t heads = layer.options.heads, c = layer.options.out_channels;
  const std::int64_t rows = input.table.size(0);
  const at::Tensor h = layer.lin(input.table).view({rows, heads, c});
  const at::Tensor score_src = (h * layer.att_src).sum(-1);  // [rows, heads]
  const at::Tensor score_dst = (h * layer.att_dst).sum(-1);

  // Extra edges: per condition, every incoming edge of each target whose
  // output can change (a changed node or an out-neighbour of one).
  std::vector<std::int64_t> x_src, x_dst, x_slot, x_edge;
  LayerTable out;
  out.overrides.resize(input.overrides.size());
  std::int64_t next = n;
  std::unordered_map<std::int64_t, std::int64_t> row_of;
  std::vector<std::int64_t> targets;
  for (std::size_t u = 0; u < input.overrides.size(); ++u) {
    const auto& changed = input.overrides[u];
    if (changed.empty()) continue;
    row_of.clear();
    targets.clear();
    for (const auto& [node, row] : changed) {
      row_of[node] = row;
      targets.push_back(node);
      for (auto k = adj.out_start[node]; k < adj.out_start[node + 1]; ++k) targets.push_back(adj.out_target[k]);
    }
    std::sort(targets.begin(), targets.end());
    targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
    const auto row = [&](std::int64_t node) {
      const auto f = row_of.find(node);
      return f == row_of.end() ? node : f->second;
    };
    for (std::int64_t t : targets) {
      const std::int64_t slot = next++;
      out.overrides[u].emplace_back(t, slot);
      const std::int64_t t_row = row(t);
      for (auto e = adj.in_start[t]; e < adj.in_start[t + 1]; ++e) {
        x_src.push_back(row(adj.src[e]));
        x_dst.push_back(t_row);
        x_slot.push_back(slot);
        x_edge.push_back(e);
      }
    }
  }
  at::Tensor src = adj.source, dst = adj.target, slot = adj.target, weight = adj.weight;
  if (!x_src.empty()) {
    src = at::cat({src, host_tensor(x_src)});
    dst = at::cat({dst, host_tensor(x_dst)});
    slot = at::cat({slot, host_tensor(x_slot)});
    weight = at::cat({weight, adj.weight.index_select(0, host_tensor(x_edge))});
  }
  const at::Tensor scores = at::leaky_relu(score_src.index_select(0, src) + score_dst.index_select(0, dst),
                                           layer.options.negative_slope);
  at::Tensor alpha = sdk::nn::segment_softmax(scores, slot, next);
  if (training && layer.options.dropout > 0) alpha = at::dropout(alpha, layer.options.dropout, true);
  const at::Tensor coef = alpha * weight.unsqueeze(-1);
  at::Tensor agg = weighted_aggregate(h, coef, src, slot, next);  // [next, heads, c]
  agg = layer.options.concat ? agg.reshape({next, heads * c}) : agg.mean(1);
  if (layer.bias.defined()) agg = agg + layer.bias;
  out.table = agg;
  return out;
}

}  // namespace trellis::grape
