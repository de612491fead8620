#include "run_dir.hpp"

#include "trellis/sdk/error.hpp"
#include "trellis/util/atomic_file.hpp"

namespace trellis::core::cli {

namespace fs = std::filesystem;

void prepare_run_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw sdk::Error("cannot create run directory '" + dir.string() + "': " + ec.message());
  try {
    util::write_file_atomic(dir / ".write_test", "ok");
  } catch (const std::exception& e) {
    throw sdk::Error("run directory '" + dir.string() + "' is not writable: " + e.what());
  }
  fs::remove(dir / ".write_test", ec);
}

RunDirGuard::RunDirGuard(fs::path dir) : dir_(std::move(dir)), created_(!fs::exists(dir_)) {}

RunDirGuard::~RunDirGuard() {
  std::error_code ec;
  if (created_ && !kept_) fs::remove_all(dir_, ec);
}

}  // namespace trellis::core::cli
