#pragma once
// What a run directory's run.json records about where and when it was made
// (shared by `trellis run` and `trellis eval`).

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace trellis::core::experiment {

/// The current time as "2026-01-31T12:00:00Z".
std::string utc_now();

/// Peak resident memory of this process so far, in bytes.
std::int64_t peak_rss_bytes();

/// The fields every run.json starts with: trellis_version, git_commit,
/// started_at, host and threads.
nlohmann::json provenance(const std::string& started_at, int threads);

}  // namespace trellis::core::experiment
