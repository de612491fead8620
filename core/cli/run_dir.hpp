#pragma once
// Run directories: checked writable before any work, removed again when a
// run that created one fails (so a failure leaves nothing that looks like a
// result).

#include <filesystem>
#include <string>

namespace trellis::core::plugin {
class PluginHost;
}

namespace trellis::core::cli {

/// Creates `dir` and proves it writable; throws trellis::sdk::Error otherwise.
void prepare_run_dir(const std::filesystem::path& dir);

class RunDirGuard {
 public:
  explicit RunDirGuard(std::filesystem::path dir);
  ~RunDirGuard();
  RunDirGuard(const RunDirGuard&) = delete;
  RunDirGuard& operator=(const RunDirGuard&) = delete;
  void keep() { kept_ = true; }

 private:
  std::filesystem::path dir_;
  bool created_;
  bool kept_ = false;
};

/// An output folder written complete or not at all: files go into a hidden
/// temporary folder beside `dir`, which commit() renames to `dir`. Without
/// commit() (an error) the temporary folder is removed and `dir` is never
/// created. `dir` must not exist, or be an empty folder (checked first).
class StagedDir {
 public:
  explicit StagedDir(std::filesystem::path dir);
  ~StagedDir();
  StagedDir(const StagedDir&) = delete;
  StagedDir& operator=(const StagedDir&) = delete;
  /// Where to write until commit().
  const std::filesystem::path& path() const { return temp_; }
  void commit();

 private:
  std::filesystem::path dir_;
  std::filesystem::path temp_;
  bool committed_ = false;
};

/// Log lines go to `file` as well as the terminal.
void log_to_file(const std::filesystem::path& file);

/// plugins.toml: name, version and library of every loaded plugin.
std::string plugins_toml(const plugin::PluginHost& host);

}  // namespace trellis::core::cli
