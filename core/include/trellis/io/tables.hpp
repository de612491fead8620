#pragma once
// Small text tables that accompany count matrices: TSV/CSV with or without a
// header, and lists of names one per line (genes.txt, barcodes.tsv).

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "trellis/sdk/table.hpp"

namespace trellis::core::io {

/// A delimited text table, all values as text.
struct TextTable {
  std::filesystem::path source;
  std::vector<std::string> header;             ///< empty when read without a header
  std::vector<std::vector<std::string>> rows;  ///< every row has the same number of fields
  /// 1-based line in `source` of each row (for messages).
  std::vector<std::int64_t> lines;

  std::size_t columns() const;
  /// The values of column `j` (0-based).
  std::vector<std::string> column(std::size_t j) const;
};

struct TableOptions {
  /// '\t', ',' or 0 = choose by file name (.csv -> ',', .tsv/.txt -> tab;
  /// a trailing .gz is ignored), else by the first line.
  char delimiter = 0;
  bool header = true;
  /// Rows may have fewer fields than the first one (missing ones read as "").
  bool ragged = false;
};

/// Reads a TSV or CSV table (plain or gzip). Fields may be quoted with '"'
/// ("" inside quotes is a quote). Blank lines are skipped. Throws
/// trellis::sdk::Error naming the file and line for a missing file, a row
/// with a different number of fields, or an unterminated quote.
TextTable read_table(const std::filesystem::path& path, const TableOptions& options = {});

/// Splits a line at tabs (no quoting) into views into `line`.
void split_tabs(std::string_view line, std::vector<std::string_view>& fields);

/// The named columns of a tab-separated file with a header line (plain or
/// gzip), in the order asked for; fields are taken verbatim (no quoting) and
/// blank lines are skipped. Throws trellis::sdk::Error naming the file when it
/// cannot be opened or is empty, when a column is missing (listing the
/// header), or naming file and line when a row is shorter than the header.
std::vector<std::vector<std::string>> read_tsv_columns(const std::filesystem::path& path,
                                                       const std::vector<std::string>& columns);

/// Reads one name per line (surrounding blanks removed; trailing blank lines
/// ignored). An empty line between names is an error naming the line.
std::vector<std::string> read_names(const std::filesystem::path& path);

/// Turns a table into an obs/var frame: index = column `index_column`, the
/// other columns kept under their header names. Columns whose values are all
/// integers become integer columns, all numbers (or empty / NA) real columns,
/// anything else categorical. Throws when the index has duplicates.
sdk::DataFrame to_data_frame(const TextTable& table, std::size_t index_column = 0);

/// The first duplicated value in `names`, or empty when all are distinct.
std::string first_duplicate(const std::vector<std::string>& names);

}  // namespace trellis::core::io
