#pragma once
// Shared by the graph and structure-learner tests: graphs as edge maps, the
// dense definition of graph/multimodal_similarity, and timing helpers for
// the hidden perf cases.

#include <chrono>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

#include "trellis/sdk/data.hpp"
#include "trellis/sdk/graph.hpp"

namespace trellis::test {

/// Edges as (source, target) -> weight.
using EdgeMap = std::map<std::pair<std::int64_t, std::int64_t>, double>;

/// The edges of `g` (weight 1 when unweighted); fails the test on a duplicate edge.
EdgeMap edges(const sdk::Graph& g);

/// Edges of a dense matrix: row i's partners j (entries > 0) as j -> i,
/// at most k per row (the largest; all when k == 0).
EdgeMap dense_edges(const at::Tensor& a, std::int64_t k);

/// Requires the same edges in both, weights within `tolerance`.
void check_same_edges(const EdgeMap& got, const EdgeMap& expected, double tolerance);

/// Genes G0 .. G{n-1}, none measured.
sdk::GeneTable numbered_genes(std::int64_t n);

/// graph/multimodal_similarity straight from its definition, densely: per
/// modality the cosine of the rows without their last (missing-flag)
/// column, with `fused` the cosine of the concatenated unit rows too;
/// entries below `modality_threshold` zeroed, mean, row L2 norm, entries
/// below `threshold` zeroed, diagonal out.
at::Tensor dense_multimodal(const std::vector<at::Tensor>& features, bool fused, double modality_threshold,
                            double threshold);

/// Peak resident memory of this process in MB (VmHWM), -1 when unknown.
double peak_rss_mb();

/// Threads for timings: $TRELLIS_THREADS, else 2 (the reference machine's cores); prints them.
void set_timing_threads();

/// Seconds since `start`.
double seconds_since(std::chrono::steady_clock::time_point start);

}  // namespace trellis::test
