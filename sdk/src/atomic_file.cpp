#include "trellis/sdk/atomic_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include <unistd.h>

#include "trellis/sdk/error.hpp"

namespace trellis::sdk {

void write_file_atomic(const std::filesystem::path& path, const std::string& content) {
  // The process id keeps two processes writing the same file from sharing a temporary.
  const std::filesystem::path temp = path.string() + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error("cannot write '" + temp.string() + "': " + std::strerror(errno));
    out << content;
    out.flush();
    if (!out) {
      const std::string why = std::strerror(errno);
      out.close();
      std::remove(temp.c_str());
      throw Error("cannot write '" + path.string() + "': " + why);
    }
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) {
    std::remove(temp.c_str());
    throw Error("cannot write '" + path.string() + "': " + ec.message());
  }
}

}  // namespace trellis::sdk
