#pragma once
// scBIG's gene-relation clustering (GRC): balanced gene modules from gene
// embeddings and a prior graph, refined by entropic optimal transport.
#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "trellis/sdk/graph.hpp"

namespace trellis::scbig {

struct ClusteringSettings {
  std::int64_t modules = 32;
  std::int64_t kmeans_inits = 10;
  std::int64_t kmeans_iterations = 300;
  std::int64_t rounds = 3;
  std::int64_t capacity = 0;        ///< genes per module; 0 = balanced (floor or ceil of G / K)
  double epsilon = 0.1;             ///< Sinkhorn regularisation
  std::int64_t sinkhorn_iterations = 1000;
  double tolerance = 1e-9;
  double semantic_weight = 1.0;     ///< weight of the cosine-distance cost
  double graph_weight = 1.0;        ///< weight of the prior-graph cost
  std::uint64_t seed = 0;
};

struct GeneModules {
  at::Tensor labels;      ///< [G] int64 module of each gene
  at::Tensor assignment;  ///< [G, K] float one-hot of labels
  at::Tensor strength;    ///< [G] float: the share of the gene's transport mass (last round) sent to its module
  std::vector<std::int64_t> capacities;
  std::int64_t sinkhorn_iterations = 0;  ///< of the last round
  double marginal_error = 0.0;           ///< of the last round
};

/// Module sizes: every module `capacity` genes when it is set, else floor(G/K)
/// with the remainder given one each to the largest initial clusters
/// (`initial_labels`), ties by index. Throws when K x capacity < G.
std::vector<std::int64_t> module_capacities(const at::Tensor& initial_labels, std::int64_t genes, std::int64_t modules,
                                            std::int64_t capacity);

/// Clusters the rows of `embeddings` [G, d] (L2-normalised here) into K
/// modules: seeded k-means, then `rounds` of (centroid update, cost =
/// semantic_weight * cosine distance / its max + graph_weight * (1 - fraction
/// of the module's members that are the gene's neighbours in `prior`),
/// Sinkhorn plan to the capacities, greedy rounding). `prior` may be empty
/// (no edges): its cost term is then 1 everywhere and does not matter.
GeneModules cluster_genes(const at::Tensor& embeddings, const sdk::Graph& prior, const ClusteringSettings& settings);

/// Genes linked within their module: an edge j -> i for members j != i of
/// i's module, weighted strength[i] * strength[j]; with `max_neighbours` > 0
/// only the module's `max_neighbours` strongest members feed each gene.
sdk::Graph module_graph(const GeneModules& modules, std::int64_t max_neighbours);

}  // namespace trellis::scbig
