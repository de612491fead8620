#pragma once
/// @file suggest.hpp
/// "Did you mean" helpers shared by option checking and config overrides.

#include <string>
#include <vector>

#include "trellis/sdk/export.hpp"

namespace trellis::sdk {

/// Levenshtein distance between two strings.
TRELLIS_SDK_API std::size_t edit_distance(const std::string& a, const std::string& b);

/// The candidate closest to `name`, or an empty string when none is close
/// enough to be a plausible typo (distance greater than a third of its length,
/// at least 2).
TRELLIS_SDK_API std::string closest_match(const std::string& name,
                                          const std::vector<std::string>& candidates);

/// Joins names with ", " (for "known keys: a, b, c" messages).
TRELLIS_SDK_API std::string join(const std::vector<std::string>& names, const std::string& separator = ", ");

/// The first `limit` names joined with ", ", then ", ... (N more)" when some
/// are left out (for examples in messages about long lists).
TRELLIS_SDK_API std::string join_first(const std::vector<std::string>& names, std::size_t limit);

}  // namespace trellis::sdk
