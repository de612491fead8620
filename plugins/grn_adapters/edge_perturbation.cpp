#include "edge_perturbation.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_set>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "trellis/sdk/error.hpp"

namespace trellis::grn {

namespace {

std::int64_t pair_key(std::int64_t source, std::int64_t target, std::int64_t n) { return source * n + target; }

std::int64_t num_nodes_of(const at::Tensor& a, const at::Tensor& b) {
  std::int64_t n = 1;
  for (const at::Tensor* t : {&a, &b})
    if (t->defined() && t->numel() > 0) n = std::max(n, t->max().item<std::int64_t>() + 1);
  return n;
}

}  // namespace

at::Tensor edges_among_rows(const sdk::Graph& graph, const at::Tensor& rows, at::Tensor* kept) {
  at::Tensor row_of = at::full({graph.num_nodes}, -1, at::kLong);
  row_of.index_copy_(0, rows, at::arange(rows.size(0), at::kLong));
  const at::Tensor source = row_of.index_select(0, graph.edge_index[0]);
  const at::Tensor target = row_of.index_select(0, graph.edge_index[1]);
  const at::Tensor inside = ((source >= 0) & (target >= 0) & (source != target)).nonzero().flatten();
  const at::Tensor s = source.index_select(0, inside).contiguous(), t = target.index_select(0, inside).contiguous();
  // Repeated pairs (a graph may list one twice) would count twice in sums.
  const std::int64_t n = rows.size(0);
  std::unordered_set<std::int64_t> seen;
  std::vector<std::int64_t> first;
  const auto* sp = s.data_ptr<std::int64_t>();
  const auto* tp = t.data_ptr<std::int64_t>();
  for (std::int64_t e = 0; e < s.size(0); ++e)
    if (seen.insert(pair_key(sp[e], tp[e], n)).second) first.push_back(e);
  const at::Tensor index = at::tensor(first, at::kLong).reshape({static_cast<std::int64_t>(first.size())});
  if (kept) *kept = inside.index_select(0, index);
  return at::stack({s.index_select(0, index), t.index_select(0, index)});
}

at::Tensor coexpression_candidates(const at::Tensor& edges, const at::Tensor& pool, const at::Tensor& weight) {
  const std::int64_t n = num_nodes_of(edges, pool);
  std::unordered_set<std::int64_t> existing;
  const at::Tensor e = edges.contiguous();
  const auto* es = e.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < e.size(1); ++i) existing.insert(pair_key(es[i], es[e.size(1) + i], n));
  const at::Tensor p = pool.contiguous();
  const at::Tensor w = weight.defined() ? weight.to(at::kDouble).abs().contiguous() : at::ones({p.size(1)}, at::kDouble);
  const auto* src = p[0].contiguous().data_ptr<std::int64_t>();
  const auto* dst = p[1].contiguous().data_ptr<std::int64_t>();
  const auto* wp = w.data_ptr<double>();
  std::vector<std::int64_t> order(static_cast<std::size_t>(p.size(1)));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
    if (wp[a] != wp[b]) return wp[a] > wp[b];
    if (src[a] != src[b]) return src[a] < src[b];
    return dst[a] < dst[b];
  });
  std::vector<std::int64_t> sources, targets;
  for (const std::int64_t i : order) {
    if (src[i] == dst[i] || !existing.insert(pair_key(src[i], dst[i], n)).second) continue;
    sources.push_back(src[i]);
    targets.push_back(dst[i]);
  }
  const auto count = static_cast<std::int64_t>(sources.size());
  return at::stack({at::tensor(sources, at::kLong).reshape({count}), at::tensor(targets, at::kLong).reshape({count})});
}

PerturbationMode parse_mode(const std::string& mode) {
  if (mode == "none") return PerturbationMode::none;
  if (mode == "coexpression") return PerturbationMode::coexpression;
  if (mode == "random") return PerturbationMode::random;
  throw sdk::Error("perturbation = '" + mode + "' is not one of none, coexpression, random");
}

std::int64_t requested_swaps(std::int64_t edges, double alpha) {
  return static_cast<std::int64_t>(std::llround(alpha * static_cast<double>(edges)));
}

std::int64_t planned_swaps(std::int64_t edges, std::int64_t candidates, PerturbationMode mode, double alpha) {
  if (mode == PerturbationMode::none) return 0;
  const std::int64_t wanted = requested_swaps(edges, alpha);
  return mode == PerturbationMode::coexpression ? std::min(wanted, candidates) : wanted;
}

Perturbed perturb_edges(const at::Tensor& edges, const at::Tensor& candidates, PerturbationMode mode, double alpha,
                        double pool_factor, std::int64_t num_rows, std::uint64_t seed) {
  const std::int64_t e = edges.size(1);
  Perturbed out;
  out.swapped = planned_swaps(e, candidates.defined() ? candidates.size(1) : 0, mode, alpha);
  if (out.swapped == 0) {
    out.edges = edges;
    return out;
  }
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  const at::Tensor removed_order = at::randperm(e, generator, at::kLong);
  const at::Tensor kept = std::get<0>(at::sort(removed_order.narrow(0, out.swapped, e - out.swapped)));
  at::Tensor added;
  if (mode == PerturbationMode::coexpression) {
    const std::int64_t pool = std::min<std::int64_t>(
        candidates.size(1),
        std::max<std::int64_t>(out.swapped, static_cast<std::int64_t>(std::ceil(pool_factor * out.swapped))));
    const at::Tensor chosen = at::randperm(pool, generator, at::kLong).narrow(0, 0, out.swapped);
    added = candidates.index_select(1, std::get<0>(at::sort(chosen)));
  } else {
    std::unordered_set<std::int64_t> taken;
    const at::Tensor c = edges.contiguous();
    const auto* sp = c[0].contiguous().data_ptr<std::int64_t>();
    const auto* tp = c[1].contiguous().data_ptr<std::int64_t>();
    for (std::int64_t i = 0; i < e; ++i) taken.insert(pair_key(sp[i], tp[i], num_rows));
    const std::int64_t free_pairs = num_rows * (num_rows - 1) - e;
    if (free_pairs < out.swapped)
      throw sdk::Error("random edge perturbation: the graph over " + std::to_string(num_rows) + " genes has only " +
                       std::to_string(free_pairs) + " free pairs for " + std::to_string(out.swapped) + " swaps");
    std::vector<std::int64_t> sources, targets;
    while (static_cast<std::int64_t>(sources.size()) < out.swapped) {
      const at::Tensor draw = at::randint(num_rows, {2, 2 * out.swapped}, generator, at::kLong);
      const auto* a = draw[0].contiguous().data_ptr<std::int64_t>();
      const auto* b = draw[1].contiguous().data_ptr<std::int64_t>();
      for (std::int64_t i = 0; i < draw.size(1) && static_cast<std::int64_t>(sources.size()) < out.swapped; ++i)
        if (a[i] != b[i] && taken.insert(pair_key(a[i], b[i], num_rows)).second) {
          sources.push_back(a[i]);
          targets.push_back(b[i]);
        }
    }
    added = at::stack({at::tensor(sources, at::kLong), at::tensor(targets, at::kLong)});
  }
  out.edges = at::cat({edges.index_select(1, kept), added}, 1);
  return out;
}

}  // namespace trellis::grn
