#pragma once
// Writing files so that a reader never sees a partial one.

#include <filesystem>
#include <string>

#include "trellis/sdk/atomic_file.hpp"

namespace trellis::core::util {

/// Temporary file, then rename (shared with plugins through the SDK).
using sdk::write_file_atomic;

/// Reads a whole text file; throws std::runtime_error naming it on failure.
std::string read_file(const std::filesystem::path& path);

}  // namespace trellis::core::util
