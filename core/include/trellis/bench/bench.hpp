#pragma once
// Writing a bench's outputs from its cell folders: results.csv,
// failures.csv, summary.md and report.html (a step separate from running,
// so it works on cells that ran elsewhere).

#include <filesystem>
#include <string>

#include "trellis/bench/bench_config.hpp"
#include "trellis/bench/results.hpp"

namespace trellis::core::bench {

/// Collects the grid's cells under `out` and writes every output file
/// atomically; returns what it collected.
BenchResults write_outputs(const BenchConfig& config, const std::filesystem::path& out, int jobs,
                           const std::string& date);

}  // namespace trellis::core::bench
