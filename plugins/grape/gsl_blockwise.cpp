#include "gsl_blockwise.hpp"

#include <tuple>

#include <ATen/ATen.h>

namespace trellis::grape {

MergedEdges merge_edges(std::int64_t num_nodes, const at::Tensor& target_a, const at::Tensor& source_a,
                        const at::Tensor& value_a, double scale_a, const at::Tensor& target_b,
                        const at::Tensor& source_b, const at::Tensor& value_b, double scale_b) {
  const at::Tensor keys = at::cat({target_a * num_nodes + source_a, target_b * num_nodes + source_b});
  // sort + unique_consecutive: at::_unique2 took ~10x longer here.
  at::Tensor sorted, order, unique, inverse_sorted;
  std::tie(sorted, order) = keys.sort();
  std::tie(unique, inverse_sorted, std::ignore) = at::unique_consecutive(sorted, /*return_inverse=*/true);
  const at::Tensor inverse = at::empty_like(inverse_sorted).scatter_(0, order, inverse_sorted);
  const auto type = value_a.scalar_type();
  const at::Tensor values = at::cat({value_a * scale_a, value_b.to(type) * scale_b});
  MergedEdges out;
  out.value = at::zeros({unique.size(0)}, values.options()).index_add(0, inverse, values);
  out.target = at::div(unique, num_nodes, "floor");
  out.source = unique - out.target * num_nodes;
  return out;
}

at::Tensor edges_at_least(const at::Tensor& edge_index, const at::Tensor& weight, double threshold) {
  at::NoGradGuard no_grad;
  at::Tensor keep = edge_index[0] != edge_index[1];
  if (weight.defined())
    keep.logical_and_(weight.detach() >= threshold);
  else if (threshold > 1)
    keep.fill_(false);  // an unweighted graph's edges weigh 1
  return edge_index.index_select(1, keep.nonzero().squeeze(1));
}

}  // namespace trellis::grape

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/graph.hpp"

namespace trellis::grape {

void check_learner_inputs(const std::string& who, const at::Tensor& node_repr, const sdk::Graph& prior) {
  if (!node_repr.defined() || node_repr.dim() != 2 || !at::isFloatingType(node_repr.scalar_type()))
    throw sdk::Error(who + ": node representations must be a floating-point [G, d] tensor");
  if (node_repr.size(0) != prior.num_nodes)
    throw sdk::Error(who + ": node representations have " + std::to_string(node_repr.size(0)) +
                     " rows but the prior graph '" + prior.name + "' has " + std::to_string(prior.num_nodes) +
                     " nodes; both must cover the same gene universe");
  if (prior.num_nodes < 2)
    throw sdk::Error(who + ": the prior graph '" + prior.name + "' has " + std::to_string(prior.num_nodes) +
                     " node(s); structure learning needs at least 2");
  prior.validate();
}

bool learner_needs_build(const std::string& who, const at::Tensor& node_repr, std::int64_t built_width) {
  if (built_width == 0) return true;
  if (node_repr.size(1) != built_width)
    throw sdk::Error(who + ": node representations have " + std::to_string(node_repr.size(1)) +
                     " columns but the learner was built for " + std::to_string(built_width) +
                     " (input_dim or the first call); they must keep their width");
  return false;
}

}  // namespace trellis::grape
