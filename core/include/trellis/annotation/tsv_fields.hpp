#pragma once
// Field access for the annotation loaders' tab-separated files, read line by
// line with sdk::TextInput. Private to the annotation loaders.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "trellis/io/tables.hpp"
#include "trellis/sdk/text_input.hpp"

namespace trellis::core::annotation {

using io::split_tabs;

/// "path:line" of the line `lines` returned last, for error messages.
std::string where(const sdk::TextInput& lines);

/// Reads the header line and returns the positions of the `wanted` columns;
/// throws trellis::sdk::Error naming the file and the missing column.
std::vector<std::size_t> header_columns(sdk::TextInput& lines, const std::vector<std::string>& wanted);

/// `fields[column]`; throws trellis::sdk::Error naming file and line when the line is short.
std::string_view field(const std::vector<std::string_view>& fields, std::size_t column, const sdk::TextInput& lines);

/// Parses an Entrez gene id; throws trellis::sdk::Error naming file and line.
std::int64_t parse_entrez_id(std::string_view text, const sdk::TextInput& lines);

}  // namespace trellis::core::annotation
