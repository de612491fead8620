#pragma once
/// @file tensor_text.hpp
/// Tensors described in error messages.

#include <string>

#include <ATen/core/Tensor.h>

#include "trellis/sdk/export.hpp"

namespace trellis::sdk {

/// The shape as "[2, 3]" ("[]" for a scalar, "undefined" for an undefined tensor).
TRELLIS_SDK_API std::string shape_of(const at::Tensor& tensor);

}  // namespace trellis::sdk
