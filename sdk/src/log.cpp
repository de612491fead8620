#include "trellis/sdk/log.hpp"

#include <iostream>
#include <mutex>

namespace trellis::sdk {

namespace {

std::mutex sink_mutex;
std::function<void(LogLevel, const std::string&)>& sink() {
  static std::function<void(LogLevel, const std::string&)> instance;
  return instance;
}

}  // namespace

void log(LogLevel level, const std::string& message) {
  std::function<void(LogLevel, const std::string&)> current;
  {
    std::lock_guard<std::mutex> lock(sink_mutex);
    current = sink();
  }
  if (current) {
    current(level, message);
    return;
  }
  static const char* names[] = {"debug", "info", "warning"};
  std::cerr << names[static_cast<int>(level)] << ": " << message << "\n";
}

void set_log_sink(std::function<void(LogLevel, const std::string&)> new_sink) {
  std::lock_guard<std::mutex> lock(sink_mutex);
  sink() = std::move(new_sink);
}

}  // namespace trellis::sdk
