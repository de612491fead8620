#include "trellis/experiment/run_record.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <ctime>

#include "trellis_git_commit.hpp"

namespace trellis::core::experiment {

namespace {

std::string host_name() {
  char buffer[256] = {0};
  gethostname(buffer, sizeof buffer - 1);
  return buffer;
}

}  // namespace

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buffer;
}

std::int64_t peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::int64_t>(usage.ru_maxrss) * 1024;  // Linux reports kB
}

nlohmann::json provenance(const std::string& started_at, int threads) {
  return {
      {"trellis_version", TRELLIS_VERSION},
      {"git_commit", TRELLIS_GIT_COMMIT},
      {"started_at", started_at},
      {"host", host_name()},
      {"threads", threads},
  };
}

}  // namespace trellis::core::experiment
