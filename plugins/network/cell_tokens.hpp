#pragma once
// scBERT's view of a cell (Yang et al. 2022): each gene a token whose value
// is its binned expression, and masked-expression prediction as the
// pre-training task. Used by network/cell_transformer_gnn.

#include <cstdint>

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

namespace trellis::network {

/// scBERT's bins: floor(x / width), capped at `top` (scBERT: ln(1 + x)
/// values truncated to integers, capped at 5, with width 1). Negative
/// values bin to 0. Returns int64 of `values`' shape.
at::Tensor bin_expression(const at::Tensor& values, double width, std::int64_t top);

/// A batch of cells as token sequences, padded to one length.
struct CellTokens {
  at::Tensor genes;    ///< [B, L] int64 gene (column) ids
  at::Tensor bins;     ///< [B, L] int64 binned expression
  at::Tensor padding;  ///< [B, L] bool, true where a row has no token
};

/// Each cell's sequence: up to `expressed` of its genes with a non-zero bin
/// (drawn uniformly when it has more) and up to `zeros` of its zero-bin
/// genes (drawn uniformly), so that the transformer sees what is not
/// expressed at a fraction of the cost of every gene. `binned` is [B, G].
CellTokens sample_tokens(const at::Tensor& binned, std::int64_t expressed, std::int64_t zeros,
                         at::Generator& generator);

/// scBERT's masking: each non-padding token with a non-zero bin is chosen
/// with probability `fraction` (scBERT ignores zero tokens); a chosen
/// token's bin becomes `mask_token` with probability `replace`, else stays.
struct MaskedTokens {
  at::Tensor bins;    ///< [B, L] the input bins after masking
  at::Tensor chosen;  ///< [B, L] bool, the tokens whose bin is to be predicted
};
MaskedTokens mask_tokens(const CellTokens& tokens, double fraction, double replace, std::int64_t mask_token,
                         at::Generator& generator);

}  // namespace trellis::network
