#pragma once
/// @file error.hpp
/// The error type components throw for problems a user can fix (bad
/// options, bad input data). Its message is shown to the user as is.

#include <stdexcept>
#include <string>

#include "trellis/sdk/export.hpp"

namespace trellis::sdk {

/// A user-facing error: the message says what is wrong, where, and how to fix it.
class TRELLIS_SDK_API Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message);
  ~Error() override;
};

}  // namespace trellis::sdk
