#pragma once
/// @file reader.hpp
/// Reader: a file or directory -> AnnData.

#include <string>

#include "trellis/sdk/export.hpp"
#include "trellis/sdk/kind.hpp"
#include "trellis/sdk/table.hpp"

namespace trellis::sdk {

/// Reads one dataset format (registered as `reader/<name>`). Readers check
/// what they read and throw trellis::sdk::Error naming the file and the
/// problem; they never return partly read data.
class TRELLIS_SDK_API Reader {
 public:
  virtual ~Reader();
  /// True when `path` looks like this reader's format (used to pick a reader
  /// when the config does not name one).
  virtual bool recognises(const std::string& path) const = 0;
  virtual AnnData read(const std::string& path) = 0;
};

TRELLIS_SDK_KIND(Reader, "reader", "Reads a dataset format into AnnData")

}  // namespace trellis::sdk
