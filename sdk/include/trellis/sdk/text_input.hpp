#pragma once
/// @file text_input.hpp
/// Line-by-line reading of text files that may be gzip-compressed, as
/// single-cell data and gene knowledge files usually are (matrix.mtx.gz,
/// go_terms.tsv.gz). Shared by the host's readers and by plugins.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "trellis/sdk/export.hpp"

namespace trellis::sdk {

/// Reads the lines of a plain or gzip file. Compression is recognised by the
/// gzip magic bytes, not by the file name. Every problem (missing file, read
/// error, corrupt or truncated gzip data) throws trellis::sdk::Error naming
/// the file.
class TRELLIS_SDK_API TextInput {
 public:
  /// Opens `path`.
  explicit TextInput(const std::filesystem::path& path);
  /// Opens `path` given by a setting the user controls, named by `what`
  /// (e.g. "option 'file'"): an empty path is reported as "<what> is not
  /// set", a missing file as "<what>: file '<path>' does not exist".
  TextInput(const std::filesystem::path& path, const std::string& what);
  ~TextInput();
  TextInput(const TextInput&) = delete;
  TextInput& operator=(const TextInput&) = delete;

  /// The next line without its line ending ("\n" or "\r\n"); false at the
  /// end of the file. `line` stays valid until the next call.
  bool next(std::string_view& line);
  /// The next line, copied into `line`; false at the end of the file.
  bool next(std::string& line);
  /// The next non-empty line split at `separator` (a TSV row); false at the
  /// end of the file.
  bool next_fields(std::vector<std::string>& fields, char separator = '\t');
  /// 1-based number of the line last returned by next().
  std::int64_t line_number() const;
  /// The file being read.
  const std::filesystem::path& path() const;
  /// True when the file is gzip-compressed.
  bool gzip() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// True when the file starts with the gzip magic bytes (false when it cannot
/// be opened).
TRELLIS_SDK_API bool is_gzip(const std::filesystem::path& path);

/// `path` if it exists, else `path` + ".gz" if that exists, else empty.
TRELLIS_SDK_API std::filesystem::path existing_plain_or_gz(const std::filesystem::path& path);

/// The name without a trailing ".gz" (for telling file kinds by extension).
TRELLIS_SDK_API std::string name_without_gz(const std::filesystem::path& path);

/// `line` split at every `separator` (an empty line gives one empty field).
TRELLIS_SDK_API std::vector<std::string> split_fields(std::string_view line, char separator = '\t');

/// `path` with a leading "${TRELLIS_DATA_DIR}" replaced from the environment
/// (option defaults do not pass through the config loader, which expands the
/// user's values); throws trellis::sdk::Error when the variable is unset.
TRELLIS_SDK_API std::string expand_data_dir(const std::string& path);

}  // namespace trellis::sdk
