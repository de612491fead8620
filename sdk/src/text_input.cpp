#include "trellis/sdk/text_input.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <zlib.h>

#include "trellis/sdk/error.hpp"

namespace trellis::sdk {

namespace {

constexpr std::size_t raw_chunk = 256 * 1024;
constexpr std::size_t initial_buffer = 1024 * 1024;

std::string quoted(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

// `path` when a file is there; else an error naming the setting it came from.
const std::filesystem::path& existing_setting(const std::filesystem::path& path, const std::string& what) {
  if (path.empty()) throw Error(what + " is not set");
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw Error(what + ": file " + quoted(path) +
                " does not exist (check the path; relative paths in a config are relative to the config file)");
  return path;
}

}  // namespace

struct TextInput::Impl {
  std::filesystem::path path;
  std::FILE* file = nullptr;
  bool gzip = false;

  // Raw bytes from the file (gzip only).
  std::vector<unsigned char> raw = std::vector<unsigned char>(raw_chunk);
  z_stream stream{};
  bool stream_open = false;
  bool member_ended = false;  // the current gzip member reached its end (CRC checked)
  bool raw_eof = false;

  // Decoded text: lines are cut from [begin, end).
  std::vector<char> text = std::vector<char>(initial_buffer);
  std::size_t begin = 0;
  std::size_t end = 0;
  bool finished = false;
  std::int64_t line = 0;
  std::int64_t decoded = 0;  // uncompressed bytes produced so far

  ~Impl() {
    if (stream_open) inflateEnd(&stream);
    if (file) std::fclose(file);
  }

  [[noreturn]] void read_failed() const {
    throw Error("cannot read " + quoted(path) + ": " + std::strerror(errno));
  }

  std::size_t read_raw() {
    // Keep unconsumed input (at most a few bytes when a new member starts).
    const std::size_t keep = stream.avail_in;
    if (keep > 0) std::memmove(raw.data(), stream.next_in, keep);
    const std::size_t n = std::fread(raw.data() + keep, 1, raw.size() - keep, file);
    if (n == 0) {
      if (std::ferror(file)) read_failed();
      raw_eof = true;
    }
    stream.next_in = raw.data();
    stream.avail_in = static_cast<uInt>(keep + n);
    return n;
  }

  [[noreturn]] void corrupt(const char* why) const {
    throw Error("gzip data in " + quoted(path) + " is corrupt (zlib: " + (why ? why : "unknown error") +
                     ") after " + std::to_string(decoded) + " uncompressed bytes, near line " +
                     std::to_string(line + 1) + ". The file is damaged: download or re-create it.");
  }

  // Appends decoded bytes to text[end..]; sets `finished` at the end of input.
  void fill() {
    if (!gzip) {
      const std::size_t n = std::fread(text.data() + end, 1, text.size() - end, file);
      if (n == 0) {
        if (std::ferror(file)) read_failed();
        finished = true;
      }
      end += n;
      return;
    }
    for (;;) {
      if (member_ended) {
        // Another member may follow (concatenated gzip files are valid);
        // anything else after a complete member is ignored, as gzip does.
        if (stream.avail_in < 2 && !raw_eof) read_raw();
        if (stream.avail_in >= 2 && stream.next_in[0] == 0x1f && stream.next_in[1] == 0x8b) {
          inflateReset(&stream);
          member_ended = false;
        } else {
          finished = true;
          return;
        }
      }
      if (stream.avail_in == 0) {
        if (!raw_eof) read_raw();
        if (stream.avail_in == 0)
          throw Error(quoted(path) + " ends in the middle of its gzip data (after " + std::to_string(decoded) +
                           " uncompressed bytes, near line " + std::to_string(line + 1) +
                           "): the file is truncated. Download or re-create it.");
      }
      const std::size_t space = text.size() - end;
      stream.next_out = reinterpret_cast<Bytef*>(text.data() + end);
      stream.avail_out = static_cast<uInt>(space);
      const int status = inflate(&stream, Z_NO_FLUSH);
      const std::size_t produced = space - stream.avail_out;
      end += produced;
      decoded += static_cast<std::int64_t>(produced);
      if (status == Z_STREAM_END) {
        member_ended = true;
      } else if (status != Z_OK && status != Z_BUF_ERROR) {
        corrupt(stream.msg);
      }
      if (produced > 0) return;
    }
  }
};

TextInput::TextInput(const std::filesystem::path& path) : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw Error(quoted(path) + " is a directory; expected a file");
  impl_->file = std::fopen(path.c_str(), "rb");
  if (!impl_->file) throw Error("cannot open " + quoted(path) + ": " + std::strerror(errno));
  unsigned char magic[2] = {0, 0};
  const std::size_t n = std::fread(magic, 1, 2, impl_->file);
  if (n < 2 && std::ferror(impl_->file)) impl_->read_failed();
  impl_->gzip = n == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  if (impl_->gzip) {
    // 16 + MAX_WBITS: gzip wrapper only, so the CRC and length are checked.
    if (inflateInit2(&impl_->stream, 16 + MAX_WBITS) != Z_OK)
      throw Error("cannot start gzip decompression of " + quoted(path));
    impl_->stream_open = true;
    std::memcpy(impl_->raw.data(), magic, 2);
    impl_->stream.next_in = impl_->raw.data();
    impl_->stream.avail_in = 2;
  } else {
    std::memcpy(impl_->text.data(), magic, n);
    impl_->end = n;
  }
}

TextInput::TextInput(const std::filesystem::path& path, const std::string& what)
    : TextInput(existing_setting(path, what)) {}

TextInput::~TextInput() = default;

bool TextInput::next(std::string_view& line) {
  Impl& s = *impl_;
  std::size_t searched = s.begin;
  for (;;) {
    const char* start = s.text.data() + searched;
    const void* found = searched < s.end ? std::memchr(start, '\n', s.end - searched) : nullptr;
    if (found) {
      const std::size_t stop = static_cast<std::size_t>(static_cast<const char*>(found) - s.text.data());
      std::size_t length = stop - s.begin;
      if (length > 0 && s.text[s.begin + length - 1] == '\r') --length;
      line = std::string_view(s.text.data() + s.begin, length);
      s.begin = stop + 1;
      ++s.line;
      return true;
    }
    if (s.finished) {
      if (s.begin >= s.end) return false;
      std::size_t length = s.end - s.begin;
      if (s.text[s.begin + length - 1] == '\r') --length;
      line = std::string_view(s.text.data() + s.begin, length);
      s.begin = s.end;
      ++s.line;
      return true;
    }
    // Make room: move the partial line to the front, grow for long lines.
    const std::size_t pending = s.end - s.begin;
    if (s.begin > 0) {
      std::memmove(s.text.data(), s.text.data() + s.begin, pending);
      s.begin = 0;
      s.end = pending;
    }
    if (s.end == s.text.size()) s.text.resize(s.text.size() * 2);
    searched = s.end;
    s.fill();
  }
}

bool TextInput::next(std::string& line) {
  std::string_view view;
  if (!next(view)) return false;
  line.assign(view.data(), view.size());
  return true;
}

bool TextInput::next_fields(std::vector<std::string>& fields, char separator) {
  std::string_view view;
  do {
    if (!next(view)) return false;
  } while (view.empty());
  fields = split_fields(view, separator);
  return true;
}

std::int64_t TextInput::line_number() const { return impl_->line; }
const std::filesystem::path& TextInput::path() const { return impl_->path; }
bool TextInput::gzip() const { return impl_->gzip; }

bool is_gzip(const std::filesystem::path& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) return false;
  unsigned char magic[2] = {0, 0};
  const std::size_t n = std::fread(magic, 1, 2, file);
  std::fclose(file);
  return n == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

std::filesystem::path existing_plain_or_gz(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) return path;
  std::filesystem::path gz = path;
  gz += ".gz";
  if (std::filesystem::is_regular_file(gz, ec)) return gz;
  return {};
}

std::string name_without_gz(const std::filesystem::path& path) {
  std::string name = path.filename().string();
  if (name.size() > 3 && name.compare(name.size() - 3, 3, ".gz") == 0) name.resize(name.size() - 3);
  return name;
}

std::vector<std::string> split_fields(std::string_view line, char separator) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  for (;;) {
    const std::size_t at = line.find(separator, start);
    fields.emplace_back(line.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) break;
    start = at + 1;
  }
  return fields;
}

std::string expand_data_dir(const std::string& path) {
  static const std::string token = "${TRELLIS_DATA_DIR}";
  if (path.compare(0, token.size(), token) != 0) return path;
  const char* dir = std::getenv("TRELLIS_DATA_DIR");
  if (!dir || !*dir)
    throw Error("'" + path + "' needs the environment variable TRELLIS_DATA_DIR (the shared data folder): "
                "set it, or give the file's full path");
  return std::string(dir) + path.substr(token.size());
}

}  // namespace trellis::sdk
