#include "trellis/simulate/gz_table.hpp"

#include <memory>

#include <zlib.h>

#include "trellis/sdk/error.hpp"

namespace trellis::core::simulate {

namespace {

struct GzCloser {
  void operator()(gzFile_s* file) const { gzclose(file); }
};

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  for (;;) {
    const std::size_t tab = line.find('\t', start);
    if (tab == std::string::npos) {
      fields.push_back(line.substr(start));
      return fields;
    }
    fields.push_back(line.substr(start, tab - start));
    start = tab + 1;
  }
}

// One line without its end-of-line characters; false at end of file.
bool read_line(gzFile file, std::string& line, const std::filesystem::path& path) {
  line.clear();
  char buffer[1 << 16];
  for (;;) {
    if (!gzgets(file, buffer, sizeof buffer)) {
      int code = Z_OK;
      const char* message = gzerror(file, &code);
      if (code != Z_OK && code != Z_STREAM_END)
        throw sdk::Error(path.string() + ": cannot read (" + message + "); is the file complete?");
      return !line.empty();
    }
    line += buffer;
    if (!line.empty() && line.back() == '\n') {
      line.pop_back();
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return true;
    }
  }
}

}  // namespace

std::vector<std::vector<std::string>> read_tsv_columns(const std::filesystem::path& file,
                                                       const std::vector<std::string>& columns) {
  std::unique_ptr<gzFile_s, GzCloser> in(gzopen(file.c_str(), "rb"));
  if (!in) throw sdk::Error(file.string() + ": cannot open for reading; check the path");
  std::string line;
  if (!read_line(in.get(), line, file)) throw sdk::Error(file.string() + ": the file is empty; expected a header line");
  const std::vector<std::string> header = split_tabs(line);
  std::vector<std::size_t> positions;
  for (const auto& name : columns) {
    std::size_t i = 0;
    while (i < header.size() && header[i] != name) ++i;
    if (i == header.size()) {
      std::string found;
      for (const auto& h : header) found += (found.empty() ? "" : ", ") + h;
      throw sdk::Error(file.string() + ": no column '" + name + "' in the header (columns: " + found + ")");
    }
    positions.push_back(i);
  }
  std::vector<std::vector<std::string>> result(columns.size());
  std::size_t line_number = 1;
  while (read_line(in.get(), line, file)) {
    ++line_number;
    if (line.empty()) continue;
    std::vector<std::string> fields = split_tabs(line);
    if (fields.size() < header.size())
      throw sdk::Error(file.string() + ":" + std::to_string(line_number) + ": " + std::to_string(fields.size()) +
                       " fields, the header has " + std::to_string(header.size()));
    for (std::size_t c = 0; c < positions.size(); ++c) result[c].push_back(std::move(fields[positions[c]]));
  }
  return result;
}

}  // namespace trellis::core::simulate
