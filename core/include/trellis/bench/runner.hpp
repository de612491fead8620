#pragma once
// Runs the unfinished cells of a bench grid, each as a child `trellis run`
// process, several at a time; a failed cell is recorded and the grid goes on.

#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "trellis/bench/cells.hpp"

namespace trellis::core::bench {

struct RunnerOptions {
  std::filesystem::path executable;      ///< the `trellis` binary
  std::vector<std::string> global_args;  ///< given before `run` (e.g. --plugin-path X)
  int jobs = 1;                          ///< cells at once
  int threads = 1;                       ///< --threads of each cell
  std::ostream* progress = nullptr;      ///< one line per finished cell
};

struct CellOutcome {
  CellId id;
  bool ok = false;
  double seconds = 0;
  std::string status;      ///< "exit 1", "killed by signal 9 (Killed)" when it failed
  std::string last_line;   ///< the last line of its log when it failed
};

struct RunnerSummary {
  std::size_t skipped = 0;  ///< finished before this run
  std::vector<CellOutcome> outcomes;
};

/// Writes each cell's `cell.toml` and runs
/// `<executable> <global_args> --threads T run cell.toml --out <cell>/run`
/// (for a predictions cell `... eval --predictions FILE --config cell.toml
/// --out <cell>/run`) with stdout and stderr in `<cell>/log.txt`. A cell that exits non-zero,
/// dies by a signal, or exits without writing run/metrics.json gets an
/// `error.txt` (status and the last lines of its log); finished cells are
/// skipped, failed ones run again.
RunnerSummary run_cells(const BenchConfig& config, const std::vector<Cell>& cells, const std::filesystem::path& out,
                        const RunnerOptions& options);

/// "exit 1", "killed by signal 11 (Segmentation fault)" for a waitpid status.
std::string describe_status(int status);

/// The last `n` lines of a text file (empty when it cannot be read).
std::vector<std::string> last_lines(const std::filesystem::path& file, std::size_t n);

}  // namespace trellis::core::bench
