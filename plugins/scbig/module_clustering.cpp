// Gene-relation clustering as scBIG's (see module_clustering.hpp): the cost
// and rounding follow its reference; the Sinkhorn iterations run in the log
// domain so eps = 0.1 never underflows.
#include "module_clustering.hpp"

#include <algorithm>
#include <numeric>

#include <ATen/ATen.h>

#include "gene_embedding.hpp"
#include "kmeans.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/transport.hpp"

namespace trellis::scbig {

namespace {

// Centroid of each module's members (normalised); an empty module keeps `previous`.
at::Tensor module_centroids(const at::Tensor& x, const at::Tensor& labels, const at::Tensor& previous) {
  const std::int64_t k = previous.size(0);
  const at::Tensor sums = at::zeros_like(previous).index_add_(0, labels, x);
  const at::Tensor counts = at::bincount(labels, {}, k).unsqueeze(1);
  return at::where(counts > 0, unit_rows(sums), previous);
}

// Unique undirected pairs (a < b) of the prior's edges, self-loops dropped.
at::Tensor undirected_pairs(const sdk::Graph& prior) {
  if (!prior.edge_index.defined() || prior.num_edges() == 0) return at::empty({2, 0}, at::kLong);
  const at::Tensor lo = at::minimum(prior.edge_index[0], prior.edge_index[1]);
  const at::Tensor hi = at::maximum(prior.edge_index[0], prior.edge_index[1]);
  const at::Tensor keep = lo != hi;
  const std::int64_t n = std::max<std::int64_t>(prior.num_nodes, 1);
  const at::Tensor key = std::get<0>(at::_unique(lo.masked_select(keep) * n + hi.masked_select(keep)));
  return at::stack({key.div(n, "floor"), key.remainder(n)});
}

// 1 - (members of k that are i's neighbours) / |k|; 1 for an empty module.
at::Tensor graph_cost(const at::Tensor& pairs, const at::Tensor& labels, std::int64_t genes, std::int64_t k) {
  at::Tensor counts = at::zeros({genes * k}, at::kDouble);
  if (pairs.size(1) > 0) {
    const at::Tensor a = pairs[0], b = pairs[1];
    const at::Tensor ones = at::ones({a.size(0)}, at::kDouble);
    counts.index_add_(0, a * k + labels.index_select(0, b), ones);
    counts.index_add_(0, b * k + labels.index_select(0, a), ones);
  }
  const at::Tensor sizes = at::bincount(labels, {}, k).to(at::kDouble);
  const at::Tensor fraction = counts.view({genes, k}) / sizes.clamp_min(1).unsqueeze(0);
  return at::where(sizes.unsqueeze(0) > 0, 1 - fraction.clamp(0, 1), at::ones_like(fraction));
}

}  // namespace

std::vector<std::int64_t> module_capacities(const at::Tensor& initial_labels, std::int64_t genes, std::int64_t modules,
                                            std::int64_t capacity) {
  if (capacity > 0) {
    if (capacity * modules < genes)
      throw sdk::Error("the module capacities cannot be met: " + std::to_string(modules) + " modules x capacity " +
                       std::to_string(capacity) + " hold " + std::to_string(capacity * modules) + " genes, but there are " +
                       std::to_string(genes) + "; raise capacity to at least " +
                       std::to_string((genes + modules - 1) / modules) + " or set it to 0 (balanced)");
    return std::vector<std::int64_t>(static_cast<std::size_t>(modules), capacity);
  }
  std::vector<std::int64_t> caps(static_cast<std::size_t>(modules), genes / modules);
  const at::Tensor sizes = at::bincount(initial_labels, {}, modules).contiguous();
  const std::int64_t* s = sizes.data_ptr<std::int64_t>();
  std::vector<std::int64_t> order(static_cast<std::size_t>(modules));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) { return s[a] > s[b]; });
  for (std::int64_t r = 0; r < genes % modules; ++r) ++caps[static_cast<std::size_t>(order[r])];
  return caps;
}

GeneModules cluster_genes(const at::Tensor& embeddings, const sdk::Graph& prior, const ClusteringSettings& s) {
  at::NoGradGuard no_grad;
  const std::int64_t genes = embeddings.size(0), k = s.modules;
  if (k < 1 || k > genes)
    throw sdk::Error("modules = " + std::to_string(k) + " is larger than the number of genes (" +
                     std::to_string(genes) + "); choose at most " + std::to_string(genes) + " modules");
  const at::Tensor x = unit_rows(embeddings.to(at::kDouble));
  const KMeansResult init = kmeans(x.to(at::kFloat), k, s.kmeans_inits, s.kmeans_iterations, s.seed);
  GeneModules out;
  out.capacities = module_capacities(init.labels, genes, k, s.capacity);
  const double total = std::accumulate(out.capacities.begin(), out.capacities.end(), 0.0);
  const at::Tensor a = at::full({genes}, 1.0 / static_cast<double>(genes), at::kDouble);
  const at::Tensor b = at::tensor(out.capacities, at::kLong).to(at::kDouble) / total;
  const at::Tensor pairs = undirected_pairs(prior);
  at::Tensor labels = init.labels;
  at::Tensor centroids = unit_rows(init.centroids.to(at::kDouble));
  at::Tensor plan;
  sdk::SinkhornSettings sinkhorn_settings;
  sinkhorn_settings.epsilon = s.epsilon;
  sinkhorn_settings.max_iterations = s.sinkhorn_iterations;
  sinkhorn_settings.tolerance = s.tolerance;
  for (std::int64_t round = 0; round < s.rounds; ++round) {
    centroids = module_centroids(x, labels, centroids);
    const at::Tensor cosine = (1 - x.matmul(centroids.t())).nan_to_num(1.0);
    const at::Tensor cost = s.semantic_weight * cosine / (cosine.max().item<double>() + 1e-8) +
                            s.graph_weight * graph_cost(pairs, labels, genes, k);
    const sdk::SinkhornResult r = sdk::sinkhorn(cost, a, b, sinkhorn_settings);
    plan = r.plan;
    out.sinkhorn_iterations = r.iterations;
    out.marginal_error = r.marginal_error;
    labels = sdk::round_to_capacities(plan, out.capacities);
  }
  out.labels = labels;
  out.assignment = at::one_hot(labels, k).to(at::kFloat);
  // Strength: the share of the gene's transport mass that went to its module
  // (1 after k-means alone, rounds = 0).
  out.strength = plan.defined()
                     ? (plan / plan.sum(1, true).clamp_min(1e-300)).gather(1, labels.unsqueeze(1)).squeeze(1).to(at::kFloat)
                     : at::ones({genes});
  return out;
}

sdk::Graph module_graph(const GeneModules& modules, std::int64_t max_neighbours) {
  const std::int64_t genes = modules.labels.size(0), k = modules.assignment.size(1);
  const at::Tensor labels = modules.labels.contiguous(), strength = modules.strength.contiguous();
  const std::int64_t* l = labels.data_ptr<std::int64_t>();
  const float* w = strength.data_ptr<float>();
  std::vector<std::vector<std::int64_t>> members(static_cast<std::size_t>(k));
  for (std::int64_t i = 0; i < genes; ++i) members[static_cast<std::size_t>(l[i])].push_back(i);
  for (auto& m : members)  // strongest first, ties by index
    std::stable_sort(m.begin(), m.end(), [&](std::int64_t x, std::int64_t y) { return w[x] > w[y]; });
  std::vector<std::int64_t> src, dst;
  std::vector<float> weight;
  for (std::int64_t i = 0; i < genes; ++i) {
    std::int64_t taken = 0;
    for (std::int64_t j : members[static_cast<std::size_t>(l[i])]) {
      if (j == i) continue;
      if (max_neighbours > 0 && taken == max_neighbours) break;
      src.push_back(j);
      dst.push_back(i);
      weight.push_back(w[i] * w[j]);
      ++taken;
    }
  }
  sdk::Graph g;
  g.name = "modules";
  g.num_nodes = genes;
  g.edge_index = at::stack({at::tensor(src, at::kLong), at::tensor(dst, at::kLong)});
  g.weight = at::tensor(weight, at::kFloat);
  return g;
}

}  // namespace trellis::scbig
