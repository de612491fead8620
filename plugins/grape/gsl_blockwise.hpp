#pragma once
// Sparse building blocks shared by GRAPE's structure learners: merging two
// edge lists into one, and their input checks. Per-row top-k picking over
// dense row blocks is the SDK's (trellis/sdk/edge_picks.hpp); `target` is a
// row, `source` a picked column, as there.

#include <cstdint>
#include <string>

#include <ATen/core/Tensor.h>

namespace trellis::grape {

/// Edge lists `a` and `b` over `num_nodes` nodes merged into their distinct
/// (target, source) pairs, each with `scale_a * value_a + scale_b * value_b`
/// (a missing edge counts 0; duplicates within a list add up). Sorted by
/// (target, source). Differentiable w.r.t. both value tensors.
struct MergedEdges {
  at::Tensor target, source, value;
};
MergedEdges merge_edges(std::int64_t num_nodes, const at::Tensor& target_a, const at::Tensor& source_a,
                        const at::Tensor& value_a, double scale_a, const at::Tensor& target_b,
                        const at::Tensor& source_b, const at::Tensor& value_b, double scale_b);

/// The edges (row 0 sources, row 1 targets) of `edge_index` whose `weight` is
/// >= `threshold`, without self loops: the unweighted graph a GCN runs on.
at::Tensor edges_at_least(const at::Tensor& edge_index, const at::Tensor& weight, double threshold);

}  // namespace trellis::grape

namespace trellis::sdk {
struct Graph;
}

namespace trellis::grape {

/// Checks a structure learner's inputs: `node_repr` a floating `[G, d]`
/// tensor, `prior` a valid graph over the same G nodes. Throws
/// trellis::sdk::Error naming `who` and both sizes.
void check_learner_inputs(const std::string& who, const at::Tensor& node_repr, const sdk::Graph& prior);

/// Learners create their layers on the first learn() unless `input_dim` is
/// set: true when a learner built for `built_width` columns (0 = not yet)
/// must build now; throws naming `who` when the width changed since.
bool learner_needs_build(const std::string& who, const at::Tensor& node_repr, std::int64_t built_width);

}  // namespace trellis::grape
