#pragma once
/// @file log.hpp
/// Messages from plugins to the user, through the host's log (its format,
/// level and run log file). Without a host (e.g. in a plugin's own unit
/// tests) messages go to stderr.

#include <functional>
#include <string>

#include "trellis/sdk/export.hpp"

namespace trellis::sdk {

enum class LogLevel { debug, info, warning };

/// Logs `message` at `level`.
TRELLIS_SDK_API void log(LogLevel level, const std::string& message);
inline void log_info(const std::string& message) { log(LogLevel::info, message); }
inline void log_warning(const std::string& message) { log(LogLevel::warning, message); }

/// Where messages go: the host installs its logger here once at start-up.
/// An empty function restores the stderr default.
TRELLIS_SDK_API void set_log_sink(std::function<void(LogLevel, const std::string&)> sink);

}  // namespace trellis::sdk
