#pragma once
// Lines of a text file, plain or gzip-compressed, for the knowledge encoders'
// input files (GO term tables, gene text corpora, sequence files, embedding
// tables), gzip through zlib.

#include <memory>
#include <string>
#include <vector>

namespace trellis::grape {

class LineReader {
 public:
  /// Opens `path`; throws sdk::Error naming `what` (e.g. "option 'file' of
  /// encoder/precomputed") and the path when it is missing or unreadable.
  LineReader(const std::string& path, const std::string& what);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  /// The next line without its end ("\n" or "\r\n"); false at the end.
  /// Empty lines are returned too (callers decide what they mean).
  bool next(std::string& line);
  /// 1-based number of the line last returned.
  long line() const { return line_; }
  const std::string& path() const { return path_; }

 private:
  bool fill();
  struct Source;
  std::unique_ptr<Source> source_;
  std::string path_;
  std::string buffer_;
  std::size_t position_ = 0;
  bool at_end_ = false;
  long line_ = 0;
};

/// `line` split at `separator`.
std::vector<std::string> split_fields(const std::string& line, char separator = '\t');

/// `path` with a leading "${TRELLIS_DATA_DIR}" replaced from the environment
/// (option defaults do not pass through the config loader, which expands
/// the user's values).
std::string expand_data_dir(const std::string& path);

}  // namespace trellis::grape
