#pragma once
// Writing files so that a reader never sees a partial one.

#include <filesystem>
#include <string>

namespace trellis::core::util {

/// Writes `content` to a temporary file beside `path`, then renames it over
/// `path`. Throws std::runtime_error naming the path on failure; the target
/// is left untouched then.
void write_file_atomic(const std::filesystem::path& path, const std::string& content);

/// Reads a whole text file; throws std::runtime_error naming it on failure.
std::string read_file(const std::filesystem::path& path);

}  // namespace trellis::core::util
