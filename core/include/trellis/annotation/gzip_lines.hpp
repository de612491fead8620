#pragma once
// Line-by-line reading of plain or gzip-compressed text files (zlib reads
// both transparently). Private to the annotation loaders.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace trellis::core::annotation {

/// Reads one line at a time; lines may be of any length. Throws
/// trellis::sdk::Error naming the file when it cannot be opened or read.
class GzipLines {
 public:
  explicit GzipLines(const std::filesystem::path& path);
  ~GzipLines();
  GzipLines(const GzipLines&) = delete;
  GzipLines& operator=(const GzipLines&) = delete;

  /// The next line without its line ending ("\n" or "\r\n"); false at the end.
  bool next(std::string& line);
  /// 1-based number of the line last returned by next().
  std::size_t line_number() const { return line_number_; }
  const std::filesystem::path& path() const { return path_; }
  /// "path:line", for error messages.
  std::string where() const;

 private:
  std::filesystem::path path_;
  void* file_ = nullptr;  // gzFile, kept opaque so zlib.h stays out of this header
  std::vector<char> buffer_;
  std::size_t line_number_ = 0;
};

/// Splits a line at tabs into views into `line` (kept valid while `line` lives).
void split_tabs(std::string_view line, std::vector<std::string_view>& fields);

/// Reads the header line and returns the positions of the `wanted` columns;
/// throws trellis::sdk::Error naming the file and the missing column.
std::vector<std::size_t> header_columns(GzipLines& lines, const std::vector<std::string>& wanted);

/// `fields[column]`; throws trellis::sdk::Error naming file and line when the line is short.
std::string_view field(const std::vector<std::string_view>& fields, std::size_t column, const GzipLines& lines);

/// Parses an Entrez gene id; throws trellis::sdk::Error naming file and line.
std::int64_t parse_entrez_id(std::string_view text, const GzipLines& lines);

}  // namespace trellis::core::annotation
