#include "trellis/bench/runner.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <mutex>
#include <ostream>
#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include "trellis/bench/bench_config.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/util/atomic_file.hpp"

extern char** environ;

namespace trellis::core::bench {

namespace fs = std::filesystem;

namespace {

// Spawns the child with stdout and stderr in `log`; returns the waitpid status.
int spawn_and_wait(const std::vector<std::string>& args, const fs::path& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw sdk::Error("cannot start '" + args[0] + "': " + std::strerror(rc));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw sdk::Error(std::string("waiting for a bench cell failed: ") + std::strerror(errno));
  }
  return status;
}

std::string format_seconds(double s) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f s", s);
  return buffer;
}

CellOutcome run_one(const BenchConfig& config, const Cell& cell, const fs::path& out, const RunnerOptions& options) {
  const fs::path dir = cell_dir(out, cell.id);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw sdk::Error("cannot create bench cell folder '" + dir.string() + "': " + ec.message());
  // A retry starts clean: no half-written run, no stale error.
  fs::remove_all(dir / "run", ec);
  fs::remove(dir / "error.txt", ec);
  util::write_file_atomic(dir / "cell.toml", cell_toml(config, cell));

  std::vector<std::string> args{options.executable.string()};
  args.insert(args.end(), options.global_args.begin(), options.global_args.end());
  args.push_back("--threads");
  args.push_back(std::to_string(options.threads));
  if (cell.scores_predictions()) {
    for (const std::string& a : {std::string("eval"), std::string("--predictions"), cell.predictions.string(),
                                 std::string("--config"), (dir / "cell.toml").string()})
      args.push_back(a);
  } else {
    args.push_back("run");
    args.push_back((dir / "cell.toml").string());
  }
  args.push_back("--out");
  args.push_back((dir / "run").string());

  CellOutcome outcome;
  outcome.id = cell.id;
  const auto start = std::chrono::steady_clock::now();
  const int status = spawn_and_wait(args, dir / "log.txt");
  outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const bool exited_ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  outcome.ok = exited_ok && cell_finished(dir);
  if (outcome.ok) return outcome;

  const auto lines = last_lines(dir / "log.txt", 20);
  const std::string status_text =
      exited_ok ? std::string("exit 0 without run/metrics.json") : describe_status(status);
  const std::string last = lines.empty() ? std::string("(empty log)") : lines.back();
  outcome.status = status_text;
  outcome.last_line = last;
  std::string text = "status: " + status_text + "\ncommand:";
  for (const auto& a : args) text += " " + a;
  text += "\nlast lines of " + (dir / "log.txt").string() + ":\n";
  for (const auto& l : lines) text += l + "\n";
  util::write_file_atomic(dir / "error.txt", text);
  return outcome;
}

}  // namespace

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = strsignal(sig);
    return "killed by signal " + std::to_string(sig) + (name ? std::string(" (") + name + ")" : std::string());
  }
  return "status " + std::to_string(status);
}

std::vector<std::string> last_lines(const fs::path& file, std::size_t n) {
  std::ifstream in(file);
  std::deque<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    lines.push_back(line);
    if (lines.size() > n) lines.pop_front();
  }
  return {lines.begin(), lines.end()};
}

RunnerSummary run_cells(const BenchConfig& config, const std::vector<Cell>& cells, const fs::path& out,
                        const RunnerOptions& options) {
  RunnerSummary summary;
  std::vector<const Cell*> todo;
  for (const auto& c : cells) {
    if (cell_finished(cell_dir(out, c.id)))
      ++summary.skipped;
    else
      todo.push_back(&c);
  }
  if (summary.skipped > 0 && options.progress)
    *options.progress << "skipped " << summary.skipped << " finished cells" << std::endl;

  summary.outcomes.resize(todo.size());
  std::atomic<std::size_t> next{0};
  std::size_t done = 0;
  std::mutex mutex;
  std::exception_ptr error;
  // Each worker thread runs one child at a time and waits for its own pid only.
  auto worker = [&] {
    for (;;) {
      const std::size_t i = next++;
      if (i >= todo.size()) return;
      CellOutcome outcome;
      try {
        outcome = run_one(config, *todo[i], out, options);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!error) error = std::current_exception();
        next = todo.size();
        return;
      }
      std::lock_guard<std::mutex> lock(mutex);
      summary.outcomes[i] = outcome;
      ++done;
      if (options.progress) {
        *options.progress << "[" << done << "/" << todo.size() << "] " << describe(outcome.id) << ": "
                          << (outcome.ok ? "done in " + format_seconds(outcome.seconds) : "FAILED (" + outcome.status + "): " + outcome.last_line)
                          << std::endl;
      }
    }
  };
  const int jobs = std::max(1, std::min<int>(options.jobs, static_cast<int>(std::max<std::size_t>(1, todo.size()))));
  std::vector<std::thread> threads;
  for (int j = 0; j < jobs; ++j) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  if (error) std::rethrow_exception(error);
  return summary;
}

}  // namespace trellis::core::bench
