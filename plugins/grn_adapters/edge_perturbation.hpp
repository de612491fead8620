#pragma once
// GRNFormer's edge perturbation: each training epoch, a fraction alpha of a
// regulatory graph's edges is replaced by co-expression links (or random
// links), seeded by (seed, epoch) so a resumed run draws the same graphs.
#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "trellis/sdk/graph.hpp"

namespace trellis::grn {

/// The edges of `graph` between the rows of a slot: `rows` [N] lists the
/// universe gene of each row; the result is [2, E'] row ids, in the graph's
/// edge order, without self loops and without repeated (source, target)
/// pairs. `kept`, when given, receives the index in `graph` of each edge
/// kept (e.g. to take its weight).
at::Tensor edges_among_rows(const sdk::Graph& graph, const at::Tensor& rows, at::Tensor* kept = nullptr);

/// Directed pairs of `pool` (row ids, [2, P] with `weight` [P]) that are not
/// edges of `edges`, strongest |weight| first (ties by source, then target),
/// each pair once.
at::Tensor coexpression_candidates(const at::Tensor& edges, const at::Tensor& pool, const at::Tensor& weight);

enum class PerturbationMode { none, coexpression, random };
PerturbationMode parse_mode(const std::string& mode);

/// One epoch's perturbed graph and how many edges it swapped.
struct Perturbed {
  at::Tensor edges;          ///< [2, E] row ids
  std::int64_t swapped = 0;  ///< edges removed, and as many added
};

/// Replaces round(alpha * E) edges of `edges`, chosen uniformly, by as many
/// new ones: with `coexpression`, drawn uniformly from the strongest
/// ceil(pool_factor * swaps) of `candidates` (fewer when the pool is
/// smaller: then only as many edges are swapped as it has); with `random`,
/// uniform pairs of distinct rows among `num_rows` that are not edges. No
/// added edge repeats a kept or another added edge. Kept edges keep their
/// order; added ones follow.
Perturbed perturb_edges(const at::Tensor& edges, const at::Tensor& candidates, PerturbationMode mode, double alpha,
                        double pool_factor, std::int64_t num_rows, std::uint64_t seed);

/// round(alpha * edges): the swaps alpha asks for.
std::int64_t requested_swaps(std::int64_t edges, double alpha);

/// How many edges perturb_edges swaps for these sizes (fewer than requested
/// when a co-expression pool has fewer candidates).
std::int64_t planned_swaps(std::int64_t edges, std::int64_t candidates, PerturbationMode mode, double alpha);

}  // namespace trellis::grn
