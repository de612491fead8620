#pragma once
// A tab-separated table, optionally gzip-compressed, read column by column:
// just enough for the simulator's two parameter files.

#include <filesystem>
#include <string>
#include <vector>

namespace trellis::core::simulate {

/// The named columns of a TSV file with a header line (gzip or plain: zlib
/// reads both), in the order asked for. Throws trellis::sdk::Error naming the
/// file when it cannot be opened, a column is missing (listing the header),
/// or a row is shorter than the header.
std::vector<std::vector<std::string>> read_tsv_columns(const std::filesystem::path& file,
                                                       const std::vector<std::string>& columns);

}  // namespace trellis::core::simulate
