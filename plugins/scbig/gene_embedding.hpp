#pragma once
// Gene embeddings from named encoders: each one's rows L2-normalised, then
// concatenated (so no encoder dominates by scale).
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

namespace trellis::sdk {
struct FitContext;
}

namespace trellis::scbig {

/// [universe, sum of widths] float; [universe, 0] for no names.
at::Tensor normalised_features(const sdk::FitContext& context, const std::vector<std::string>& names);

/// Rows of `x` scaled to unit L2 norm (zero rows stay zero).
at::Tensor unit_rows(const at::Tensor& x);

}  // namespace trellis::scbig
