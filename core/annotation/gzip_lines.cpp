#include "trellis/annotation/gzip_lines.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>

#include <zlib.h>

#include "trellis/sdk/error.hpp"

namespace trellis::core::annotation {

GzipLines::GzipLines(const std::filesystem::path& path) : path_(path), buffer_(1 << 16) {
  if (!std::filesystem::is_regular_file(path))
    throw sdk::Error("annotation file '" + path.string() + "' does not exist or is not a file");
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) throw sdk::Error("cannot open annotation file '" + path.string() + "': " + std::strerror(errno));
  gzbuffer(file, 1 << 17);
  file_ = file;
}

GzipLines::~GzipLines() {
  if (file_ != nullptr) gzclose(static_cast<gzFile>(file_));
}

bool GzipLines::next(std::string& line) {
  auto file = static_cast<gzFile>(file_);
  line.clear();
  bool got_any = false;
  // gzgets stops at a newline or a full buffer; a long line takes several calls.
  while (gzgets(file, buffer_.data(), static_cast<int>(buffer_.size())) != nullptr) {
    got_any = true;
    const std::size_t n = std::strlen(buffer_.data());
    line.append(buffer_.data(), n);
    if (n > 0 && buffer_[n - 1] == '\n') break;
  }
  if (!got_any) {
    int code = Z_OK;
    const char* message = gzerror(file, &code);
    if (code != Z_OK)
      throw sdk::Error("cannot read annotation file '" + path_.string() + "' after line " +
                       std::to_string(line_number_) + ": " + message + " (is it a truncated download?)");
    return false;
  }
  if (!line.empty() && line.back() == '\n') line.pop_back();
  if (!line.empty() && line.back() == '\r') line.pop_back();
  ++line_number_;
  return true;
}

std::string GzipLines::where() const { return path_.string() + ":" + std::to_string(line_number_); }

void split_tabs(std::string_view line, std::vector<std::string_view>& fields) {
  fields.clear();
  std::size_t start = 0;
  while (true) {
    const std::size_t tab = line.find('\t', start);
    if (tab == std::string_view::npos) {
      fields.push_back(line.substr(start));
      return;
    }
    fields.push_back(line.substr(start, tab - start));
    start = tab + 1;
  }
}

std::int64_t parse_entrez_id(std::string_view text, const GzipLines& lines) {
  std::int64_t id = -1;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (error != std::errc() || end != text.data() + text.size() || id < 0)
    throw sdk::Error(lines.where() + ": '" + std::string(text) +
                     "' is not an Entrez gene id (a non-negative integer); is this the right file?");
  return id;
}

std::vector<std::size_t> header_columns(GzipLines& lines, const std::vector<std::string>& wanted) {
  std::string header;
  if (!lines.next(header)) throw sdk::Error("annotation file '" + lines.path().string() + "' is empty");
  std::vector<std::string_view> names;
  split_tabs(header, names);
  std::vector<std::size_t> columns;
  for (const auto& name : wanted) {
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) {
      std::string found;
      for (const auto& n : names) found += (found.empty() ? "" : ", ") + std::string(n);
      throw sdk::Error("annotation file '" + lines.path().string() + "' has no column '" + name +
                       "' (its header has: " + found + "); is this the right file?");
    }
    columns.push_back(static_cast<std::size_t>(it - names.begin()));
  }
  return columns;
}

std::string_view field(const std::vector<std::string_view>& fields, std::size_t column, const GzipLines& lines) {
  if (column >= fields.size())
    throw sdk::Error(lines.where() + ": expected at least " + std::to_string(column + 1) +
                     " tab-separated fields, found " + std::to_string(fields.size()));
  return fields[column];
}

}  // namespace trellis::core::annotation
