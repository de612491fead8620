#pragma once
// Tab-separated text files, plain or gzip-compressed (zlib reads both
// transparently), read line by line. Plugins link only the SDK, so this
// small reader stands in for the core's text input.

#include <memory>
#include <string>
#include <vector>

namespace trellis::graphs {

class TsvReader {
 public:
  /// Opens `path`; throws sdk::Error naming `what` (e.g. "option 'file' of
  /// graph/prior_network") and the path when it is missing or unreadable.
  TsvReader(const std::string& path, const std::string& what);
  ~TsvReader();
  TsvReader(const TsvReader&) = delete;
  TsvReader& operator=(const TsvReader&) = delete;

  /// The next line's fields (split at tabs, a trailing '\r' removed); false
  /// at the end of the file. Empty lines are skipped.
  bool next(std::vector<std::string>& fields);
  /// 1-based number of the line last returned.
  long line() const { return line_; }
  const std::string& path() const { return path_; }

 private:
  struct Handle;
  std::unique_ptr<Handle> handle_;
  std::string path_;
  long line_ = 0;
};

}  // namespace trellis::graphs
