#pragma once
/// @file encoder.hpp
/// FeatureEncoder: gene knowledge -> one feature row per gene of the universe.

#include <ATen/core/Tensor.h>

#include "trellis/sdk/context.hpp"
#include "trellis/sdk/export.hpp"
#include "trellis/sdk/kind.hpp"

namespace trellis::sdk {

/// Turns gene knowledge (text, DNA, GO terms, expression statistics, a file
/// of embeddings, ...) into a `[G, d]` float tensor, row `i` = gene `i` of
/// the universe. Encoders are static: computed once per run and cached;
/// trainable projections belong to the model.
class TRELLIS_SDK_API FeatureEncoder {
 public:
  virtual ~FeatureEncoder();
  /// `[genes.size(), dim]` float32.
  virtual at::Tensor encode(const BuildContext& context) = 0;
  /// False when the output depends on more than the options and the gene
  /// table (so a disk cache keyed by them would be wrong).
  virtual bool cacheable() const { return true; }
};

TRELLIS_SDK_KIND(FeatureEncoder, "encoder", "Gene knowledge -> one [G, d] feature row per gene of the universe")

}  // namespace trellis::sdk
