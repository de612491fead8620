#include "tsv_reader.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <zlib.h>

#include "trellis/sdk/error.hpp"

namespace trellis::graphs {

struct TsvReader::Handle {
  gzFile file = nullptr;
  ~Handle() {
    if (file) gzclose(file);
  }
};

TsvReader::TsvReader(const std::string& path, const std::string& what) : handle_(new Handle), path_(path) {
  std::error_code ec;
  if (path.empty()) throw sdk::Error(what + " is not set");
  if (!std::filesystem::is_regular_file(path, ec))
    throw sdk::Error(what + ": file '" + path + "' does not exist");
  handle_->file = gzopen(path.c_str(), "rb");
  if (!handle_->file) throw sdk::Error(what + ": cannot open '" + path + "': " + std::strerror(errno));
  gzbuffer(handle_->file, 1 << 17);
}

TsvReader::~TsvReader() = default;

bool TsvReader::next(std::vector<std::string>& fields) {
  std::string line;
  char buffer[8192];
  for (;;) {
    line.clear();
    bool got = false;
    // gzgets stops at a newline or a full buffer: long lines take several calls.
    while (gzgets(handle_->file, buffer, sizeof buffer)) {
      got = true;
      line += buffer;
      if (!line.empty() && line.back() == '\n') break;
    }
    if (!got) {
      int code = 0;
      const char* message = gzerror(handle_->file, &code);
      if (code != Z_OK && code != Z_STREAM_END)
        throw sdk::Error("cannot read '" + path_ + "' after line " + std::to_string(line_) + ": " + message);
      return false;
    }
    ++line_;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    if (!line.empty()) break;
  }
  fields.clear();
  std::size_t start = 0;
  for (;;) {
    const std::size_t tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) break;
    start = tab + 1;
  }
  return true;
}

}  // namespace trellis::graphs
