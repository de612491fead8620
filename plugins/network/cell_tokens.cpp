#include "cell_tokens.hpp"

#include <algorithm>

#include <ATen/ATen.h>

namespace trellis::network {

at::Tensor bin_expression(const at::Tensor& values, double width, std::int64_t top) {
  return at::clamp(at::floor(values.to(at::kFloat) / width), 0, static_cast<double>(top)).to(at::kLong);
}

namespace {

// Up to `k` columns per row where `eligible`, drawn uniformly without
// replacement: the top-k of uniform keys (-1 where not eligible). Returns
// the columns and whether each pick is real.
std::pair<at::Tensor, at::Tensor> draw_columns(const at::Tensor& eligible, std::int64_t k, at::Generator& generator) {
  const std::int64_t take = std::min<std::int64_t>(k, eligible.size(1));
  const at::Tensor keys =
      at::where(eligible, at::rand(eligible.sizes(), generator, at::kFloat), at::full({}, -1.0f, at::kFloat));
  auto [values, columns] = at::topk(keys, take, 1);
  return {columns, values >= 0};
}

}  // namespace

CellTokens sample_tokens(const at::Tensor& binned, std::int64_t expressed, std::int64_t zeros,
                         at::Generator& generator) {
  const at::Tensor nonzero = binned > 0;
  auto [on, on_real] = draw_columns(nonzero, expressed, generator);
  auto [off, off_real] = draw_columns(at::logical_not(nonzero), zeros, generator);
  CellTokens t;
  t.genes = at::cat({on, off}, 1);
  t.padding = at::logical_not(at::cat({on_real, off_real}, 1));
  t.bins = at::gather(binned, 1, t.genes).masked_fill(t.padding, 0);
  t.genes = t.genes.masked_fill(t.padding, 0);
  return t;
}

MaskedTokens mask_tokens(const CellTokens& tokens, double fraction, double replace, std::int64_t mask_token,
                         at::Generator& generator) {
  const at::Tensor maskable = at::logical_and(tokens.bins > 0, at::logical_not(tokens.padding));
  MaskedTokens m;
  m.chosen = at::logical_and(maskable, at::rand(tokens.bins.sizes(), generator, at::kFloat) < fraction);
  const at::Tensor replaced = at::logical_and(m.chosen, at::rand(tokens.bins.sizes(), generator, at::kFloat) < replace);
  m.bins = tokens.bins.masked_fill(replaced, mask_token);
  return m;
}

}  // namespace trellis::network
