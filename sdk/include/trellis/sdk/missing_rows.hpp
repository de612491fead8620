#pragma once
/// @file missing_rows.hpp
// What every knowledge encoder does with genes that lack its modality (no
// description, no sequence, no GO terms): a zero row plus a missing flag.

#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "trellis/sdk/export.hpp"

namespace trellis::sdk {

/// Zeroes the rows of `features` [G, d] whose gene lacks the modality and
/// appends a last column that is 1 for them and 0 otherwise, giving
/// [G, d + 1]. Logs "<who>: <modality> for N of G genes (P%)".
TRELLIS_SDK_API at::Tensor with_missing_flag(const at::Tensor& features, const std::vector<bool>& present, const std::string& who,
                             const std::string& modality);

}  // namespace trellis::sdk
