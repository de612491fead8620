#pragma once
// Saving, loading and describing splits.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "trellis/sdk/split.hpp"

namespace trellis::core::split {

/// Writes `split` as TOML (atomically): arrays `train`, `val`, `test` of
/// condition names as spelled in the data, and a table `subgroups` mapping
/// each subgroup name to its condition names.
void write_split(const sdk::Split& split, const std::filesystem::path& file);

/// Reads a split written by write_split (or by hand: `val` and `subgroups`
/// are optional). Throws trellis::sdk::Error naming the file, the line of a
/// syntax error, or the key of a wrong value.
sdk::Split read_split(const std::filesystem::path& file);

/// Conditions and cells per set and per subgroup, plus conditions of
/// `cells_per_condition` (control excluded by the caller) that are in no set.
std::string summarise(const sdk::Split& split, const std::map<std::string, std::int64_t>& cells_per_condition);

}  // namespace trellis::core::split
