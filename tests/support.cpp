#include "support.hpp"

#include <array>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>

#include <sys/wait.h>

namespace trellis::test {

TempDir::TempDir() {
  std::random_device device;
  path_ = std::filesystem::temp_directory_path() / ("trellis_test_" + std::to_string(device()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::filesystem::path TempDir::write(const std::string& name, const std::string& content) const {
  const auto file = path_ / name;
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file) << content;
  return file;
}

CommandResult run_trellis(const std::string& arguments, const std::string& environment) {
  // Unset TRELLIS_PLUGIN_PATH unless the test sets it, so the developer's
  // environment cannot change what the tests see.
  const std::string command =
      "env -u TRELLIS_PLUGIN_PATH " + environment + " " + TRELLIS_BINARY + " " + arguments + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run " + command);
  CommandResult result;
  std::array<char, 4096> buffer{};
  std::size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::filesystem::path test_plugin_dir(const std::string& name) {
  return std::filesystem::path(TRELLIS_TEST_PLUGIN_DIR) / name;
}

}  // namespace trellis::test

namespace trellis::test {

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::filesystem::path data_dir() {
  const char* env = std::getenv("TRELLIS_DATA_DIR");
  const std::filesystem::path dir = env && *env ? std::filesystem::path(env) : std::filesystem::path(TRELLIS_DEFAULT_DATA_DIR);
  std::error_code ec;
  return std::filesystem::is_directory(dir, ec) ? std::filesystem::weakly_canonical(dir) : std::filesystem::path();
}

}  // namespace trellis::test
