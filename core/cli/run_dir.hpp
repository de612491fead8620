#pragma once
// Run directories: checked writable before any work, removed again when a
// run that created one fails (so a failure leaves nothing that looks like a
// result).

#include <filesystem>

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

}  // namespace trellis::core::cli
