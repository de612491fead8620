#pragma once
// Line-by-line reading of text files that may be gzip-compressed, as
// single-cell data usually is (matrix.mtx.gz, features.tsv.gz).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace trellis::core::io {

/// Reads the lines of a plain or gzip file. Compression is recognised by the
/// gzip magic bytes, not by the file name. Every problem (missing file, read
/// error, corrupt or truncated gzip data) throws trellis::sdk::Error naming
/// the file.
class TextInput {
 public:
  explicit TextInput(const std::filesystem::path& path);
  ~TextInput();
  TextInput(const TextInput&) = delete;
  TextInput& operator=(const TextInput&) = delete;

  /// The next line without its line ending ("\n" or "\r\n"); false at the
  /// end of the file. `line` stays valid until the next call.
  bool next(std::string_view& line);
  /// 1-based number of the line last returned by next().
  std::int64_t line_number() const;
  const std::filesystem::path& path() const;
  bool gzip() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// True when the file starts with the gzip magic bytes (false when it cannot
/// be opened).
bool is_gzip(const std::filesystem::path& path);

/// `path` if it exists, else `path` + ".gz" if that exists, else empty.
std::filesystem::path existing_plain_or_gz(const std::filesystem::path& path);

/// The name without a trailing ".gz" (for telling file kinds by extension).
std::string name_without_gz(const std::filesystem::path& path);

}  // namespace trellis::core::io
