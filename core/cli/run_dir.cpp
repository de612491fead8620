#include "run_dir.hpp"

#include <unistd.h>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>
#include <toml++/toml.h>

#include "trellis/config/config.hpp"
#include "trellis/plugin/plugin_host.hpp"
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

StagedDir::StagedDir(fs::path dir) : dir_(dir.lexically_normal()) {
  if (dir_.filename().empty()) dir_ = dir_.parent_path();  // "out/" names "out"
  std::error_code ec;
  if (fs::exists(dir_, ec)) {
    if (!fs::is_directory(dir_, ec))
      throw sdk::Error("'" + dir_.string() + "' exists and is not a folder; choose another output folder");
    if (!fs::is_empty(dir_, ec))
      throw sdk::Error("output folder '" + dir_.string() +
                       "' already exists and is not empty; remove it or choose another folder");
  }
  // Beside the target, so that the final rename stays on one file system.
  const fs::path parent = dir_.has_parent_path() ? dir_.parent_path() : fs::path(".");
  fs::create_directories(parent, ec);
  if (ec) throw sdk::Error("cannot create the folder '" + parent.string() + "': " + ec.message());
  temp_ = parent / ("." + dir_.filename().string() + ".partial." + std::to_string(::getpid()));
  fs::remove_all(temp_, ec);
  prepare_run_dir(temp_);
}

StagedDir::~StagedDir() {
  std::error_code ec;
  if (!committed_) fs::remove_all(temp_, ec);
}

void StagedDir::commit() {
  std::error_code ec;
  if (fs::is_directory(dir_, ec)) fs::remove(dir_, ec);  // empty, as checked at the start
  fs::rename(temp_, dir_, ec);
  if (ec) throw sdk::Error("cannot move the finished output '" + temp_.string() + "' to '" + dir_.string() +
                           "': " + ec.message());
  committed_ = true;
}

std::string plugins_toml(const plugin::PluginHost& host) {
  toml::array list;
  for (const auto& p : host.plugins())
    list.push_back(toml::table{{"name", p->name}, {"version", p->version}, {"library", p->path.string()}});
  return config::to_toml(toml::table{{"plugins", list}});
}

void log_to_file(const std::filesystem::path& file) {
  auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(file.string());
  sink->set_pattern("[%Y-%m-%d %H:%M:%S.%e] %l %v");
  spdlog::default_logger()->sinks().push_back(sink);
}

}  // namespace trellis::core::cli
