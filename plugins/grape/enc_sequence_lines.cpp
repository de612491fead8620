#include "enc_sequence_lines.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <zlib.h>

#include "trellis/sdk/error.hpp"

namespace trellis::grape {

namespace {

bool is_gzip(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  unsigned char magic[2] = {0, 0};
  const bool gz = std::fread(magic, 1, 2, f) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  std::fclose(f);
  return gz;
}

}  // namespace

struct LineReader::Source {
  std::FILE* plain = nullptr;
  gzFile gz = nullptr;
  ~Source() {
    if (plain) std::fclose(plain);
    if (gz) gzclose(gz);
  }
};

LineReader::LineReader(const std::string& path, const std::string& what) : source_(new Source), path_(path) {
  if (path.empty()) throw sdk::Error(what + " is not set");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw sdk::Error(what + ": file '" + path + "' does not exist (check the path; relative paths in a config are "
                     "relative to the config file)");
  if (is_gzip(path)) {
    source_->gz = gzopen(path.c_str(), "rb");
    if (!source_->gz) throw sdk::Error(what + ": cannot open '" + path + "': " + std::strerror(errno));
  } else {
    source_->plain = std::fopen(path.c_str(), "rb");
    if (!source_->plain) throw sdk::Error(what + ": cannot open '" + path + "': " + std::strerror(errno));
  }
}

LineReader::~LineReader() = default;

bool LineReader::fill() {
  if (at_end_) return false;
  buffer_.erase(0, position_);
  position_ = 0;
  const std::size_t old = buffer_.size();
  constexpr std::size_t chunk = 1 << 18;
  buffer_.resize(old + chunk);
  long got = 0;
  if (source_->gz) {
    got = gzread(source_->gz, &buffer_[old], static_cast<unsigned>(chunk));
    if (got < 0) {
      int code = 0;
      const char* message = gzerror(source_->gz, &code);
      throw sdk::Error("cannot read '" + path_ + "' after line " + std::to_string(line_) + ": " + message);
    }
  } else {
    got = static_cast<long>(std::fread(&buffer_[old], 1, chunk, source_->plain));
    if (got == 0 && std::ferror(source_->plain))
      throw sdk::Error("cannot read '" + path_ + "' after line " + std::to_string(line_));
  }
  buffer_.resize(old + static_cast<std::size_t>(got));
  if (got == 0) at_end_ = true;
  return got > 0;
}

bool LineReader::next(std::string& line) {
  for (;;) {
    const std::size_t newline = buffer_.find('\n', position_);
    if (newline != std::string::npos) {
      line.assign(buffer_, position_, newline - position_);
      position_ = newline + 1;
      break;
    }
    if (!fill()) {
      if (position_ >= buffer_.size()) return false;
      line.assign(buffer_, position_, std::string::npos);  // last line without a newline
      position_ = buffer_.size();
      break;
    }
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  ++line_;
  return true;
}

std::vector<std::string> split_fields(const std::string& line, char separator) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  for (;;) {
    const std::size_t at = line.find(separator, start);
    fields.push_back(line.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) break;
    start = at + 1;
  }
  return fields;
}

std::string expand_data_dir(const std::string& path) {
  static const std::string token = "${TRELLIS_DATA_DIR}";
  if (path.compare(0, token.size(), token) != 0) return path;
  const char* dir = std::getenv("TRELLIS_DATA_DIR");
  if (!dir || !*dir)
    throw sdk::Error("'" + path + "' needs the environment variable TRELLIS_DATA_DIR (the shared data folder): "
                     "set it, or give the file's full path");
  return std::string(dir) + path.substr(token.size());
}

}  // namespace trellis::grape
