#pragma once
// Shared helpers for the tests: temporary directories, files, running the CLI.

#include <filesystem>
#include <string>

namespace trellis::test {

/// A fresh directory, removed when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  /// Writes `content` to `path()/name` (creating parent folders) and returns the full path.
  std::filesystem::path write(const std::string& name, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

/// Exit code and combined stdout + stderr of a command.
struct CommandResult {
  int exit_code = -1;
  std::string output;
};

/// Runs the `trellis` binary under test with `arguments` (a shell-quoted
/// string), with `environment` (e.g. "TRELLIS_PLUGIN_PATH=/x") prefixed.
CommandResult run_trellis(const std::string& arguments, const std::string& environment = "");

/// Directory of one of the test plugins built under tests/plugins.
std::filesystem::path test_plugin_dir(const std::string& name);

/// The shared reference data: $TRELLIS_DATA_DIR, else ../shared/data beside
/// the repository. Empty when it does not exist.
std::filesystem::path data_dir();

/// The whole content of a text file ("" when it cannot be read).
std::string read_text(const std::filesystem::path& file);

}  // namespace trellis::test

/// Skips the rest of a test case (with a visible warning) when the shared
/// data is absent; otherwise defines `data` as its path.
#define TRELLIS_REQUIRE_DATA(data)                                                       \
  const std::filesystem::path data = trellis::test::data_dir();                         \
  if (data.empty()) {                                                                   \
    WARN("shared data not found (set TRELLIS_DATA_DIR): skipping the rest of this test"); \
    return;                                                                             \
  }
