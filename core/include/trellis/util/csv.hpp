#pragma once
// Writing CSV and TSV fields.

#include <string>

namespace trellis::core::util {

/// `value` as one CSV field: quoted (RFC 4180, inner quotes doubled) only
/// when it holds a comma, a quote or a line break.
std::string csv_field(const std::string& value);

/// Shortest text that reads back as the same double ("nan" for NaN).
std::string format_double(double value);

}  // namespace trellis::core::util
