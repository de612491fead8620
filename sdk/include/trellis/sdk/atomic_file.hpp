#pragma once
/// @file atomic_file.hpp
/// Writing files so that a reader never sees a partial one.

#include <filesystem>
#include <string>

#include "trellis/sdk/export.hpp"

namespace trellis::sdk {

/// Writes `content` to a temporary file beside `path`, then renames it over
/// `path`. Throws trellis::sdk::Error naming the path on failure; the target
/// is left untouched then.
TRELLIS_SDK_API void write_file_atomic(const std::filesystem::path& path, const std::string& content);

}  // namespace trellis::sdk
