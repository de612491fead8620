#include "gsl_blockwise.hpp"

#include <cmath>
#include <limits>
#include <tuple>

#include <ATen/ATen.h>

namespace trellis::grape {

void EdgePicks::pick(at::Tensor& block, std::int64_t row0, std::int64_t k, double threshold, bool positive_only,
                     bool self_loops) {
  at::NoGradGuard no_grad;
  const std::int64_t rows = block.size(0), n = block.size(1);
  if (rows == 0) return;
  // -inf never passes a finite threshold, so an excluded diagonal entry
  // can be "picked" by topk (k > N - 1) and still be dropped below.
  if (!self_loops) block.diagonal(row0).fill_(-std::numeric_limits<double>::infinity());
  at::Tensor values, columns;
  if (k > 0 && k < n) {
    std::tie(values, columns) = at::topk(block, k, 1, /*largest=*/true, /*sorted=*/true);
  } else {
    values = block;
    columns = at::arange(n, block.options().dtype(at::kLong)).unsqueeze(0).expand({rows, n});
  }
  at::Tensor keep = values >= threshold;
  if (positive_only) keep.logical_and_(values > 0);
  keep.logical_and_(values > -std::numeric_limits<double>::infinity());
  const at::Tensor row_ids = (at::arange(rows, columns.options()) + row0).unsqueeze(1).expand_as(columns);
  target_.push_back(row_ids.masked_select(keep));
  source_.push_back(columns.masked_select(keep));
  value_.push_back(values.masked_select(keep));
}

namespace {
at::Tensor cat_or_empty(const std::vector<at::Tensor>& parts, at::ScalarType type) {
  return parts.empty() ? at::empty({0}, at::TensorOptions().dtype(type)) : at::cat(parts);
}
}  // namespace

at::Tensor EdgePicks::targets() const { return cat_or_empty(target_, at::kLong); }
at::Tensor EdgePicks::sources() const { return cat_or_empty(source_, at::kLong); }
at::Tensor EdgePicks::values() const { return cat_or_empty(value_, at::kFloat); }

void zero_below(at::Tensor& x, double threshold) {
  // at::threshold_ keeps x > t; the next representable value below
  // `threshold` (in x's precision) turns that into x >= threshold.
  const double below = x.scalar_type() == at::kFloat
                           ? static_cast<double>(std::nextafter(static_cast<float>(threshold), -std::numeric_limits<float>::infinity()))
                           : std::nextafter(threshold, -std::numeric_limits<double>::infinity());
  at::threshold_(x, below, 0);
}

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
