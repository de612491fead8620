#pragma once
/// @file context.hpp
/// What the host hands to encoders and graph constructors when a model is built.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "trellis/sdk/data.hpp"
#include "trellis/sdk/export.hpp"

namespace trellis::sdk {

/// Inputs for building static model parts (features, graphs).
///
/// `screen` and `train_conditions` are null/empty when a part is built
/// without data (e.g. `trellis run` on a config with no [data]); a part that
/// needs training expression must then throw an Error saying so. Parts that
/// use expression must only use cells of `train_conditions` (plus control),
/// never test conditions.
struct TRELLIS_SDK_API BuildContext {
  const GeneTable* genes = nullptr;
  const Screen* screen = nullptr;
  std::vector<std::int64_t> train_conditions;     ///< indices into screen->conditions
  std::map<std::string, at::Tensor> features;     ///< named features built so far
  std::uint64_t seed = 0;
  std::string cache_dir;                          ///< empty: no on-disk cache

  /// The gene table; throws trellis::sdk::Error when absent.
  const GeneTable& gene_table() const;
  /// The screen; throws trellis::sdk::Error naming `who` when absent.
  const Screen& require_screen(const std::string& who) const;
  /// A named feature; throws trellis::sdk::Error listing the available names.
  const at::Tensor& feature(const std::string& name) const;
};

}  // namespace trellis::sdk
