#include "gene_embedding.hpp"

#include <ATen/ATen.h>

#include "trellis/sdk/predictor.hpp"

namespace trellis::scbig {

at::Tensor unit_rows(const at::Tensor& x) { return x / x.norm(2, 1, true).clamp_min(1e-12); }

at::Tensor normalised_features(const sdk::FitContext& context, const std::vector<std::string>& names) {
  std::vector<at::Tensor> parts;
  for (const auto& name : names) parts.push_back(unit_rows(context.feature(name).to(at::kFloat)));
  if (parts.empty()) return at::zeros({context.genes ? context.genes->size() : 0, 0});
  return at::cat(parts, 1);
}

}  // namespace trellis::scbig
