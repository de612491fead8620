#include "trellis/sdk/edge_picks.hpp"

#include <cmath>
#include <limits>
#include <tuple>

#include <ATen/ATen.h>

namespace trellis::sdk {

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

}  // namespace trellis::sdk
