// Bench runner: child processes (a stand-in shell script for `trellis`),
// failures by exit code and by signal, skipping finished cells on a rerun.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <sstream>

#include "catch.hpp"
#include "support.hpp"
#include "trellis/bench/bench_config.hpp"
#include "trellis/bench/cells.hpp"
#include "trellis/bench/runner.hpp"
#include "trellis/util/atomic_file.hpp"

using namespace trellis::core::bench;
using trellis::test::TempDir;
using Catch::Contains;
namespace fs = std::filesystem;

namespace {

// Called as `<script> --threads T run <cell>/cell.toml --out <cell>/run`;
// behaves by the experiment folder in the cell path.
const char* kFakeTrellis = R"(#!/bin/sh
out=""; cfg=""; threads=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift ;;
    --threads) threads="$2"; shift ;;
    run) cfg="$2"; shift ;;
  esac
  shift
done
echo "threads $threads"
case "$cfg" in
  */crash/*) echo "about to crash"; kill -9 $$ ;;
  */fails/*) echo "reading data"; echo "bad thing happened" >&2; exit 3 ;;
  */silent/*) echo "nothing written"; exit 0 ;;
esac
mkdir -p "$out"
echo '{"overall": {"mse": 0.5}}' > "$out/metrics.json"
echo "finished"
)";

}  // namespace

TEST_CASE("bench runner: runs cells in parallel, records failures, skips finished cells", "[bench]") {
  TempDir dir;
  const fs::path script = dir.write("fake_trellis", kFakeTrellis);
  ::chmod(script.c_str(), 0755);
  BenchConfig config;
  config.name = "fake";
  config.file = dir.path() / "bench.toml";
  for (const char* e : {"good", "crash", "fails", "silent"})
    config.experiments.push_back(Experiment{e, dir.path() / (std::string(e) + ".toml")});
  config.datasets.push_back(Dataset{"d", "simulation", dir.path() / "d.toml"});
  config.seeds = {1};
  const auto cells = plan_cells(config);
  const fs::path out = dir.path() / "out";

  RunnerOptions options;
  options.executable = script;
  options.jobs = 3;
  options.threads = 2;
  std::ostringstream progress;
  options.progress = &progress;
  const RunnerSummary first = run_cells(config, cells, out, options);
  CHECK(first.skipped == 0);
  REQUIRE(first.outcomes.size() == 4);
  std::map<std::string, CellOutcome> by_name;
  for (const auto& o : first.outcomes) by_name[o.id.experiment] = o;
  CHECK(by_name["good"].ok);
  CHECK_FALSE(by_name["crash"].ok);
  CHECK(by_name["crash"].status == "killed by signal 9 (Killed)");
  CHECK(by_name["crash"].last_line == "about to crash");
  CHECK(by_name["fails"].status == "exit 3");
  CHECK(by_name["fails"].last_line == "bad thing happened");  // stderr goes to the log too
  CHECK(by_name["silent"].status == "exit 0 without run/metrics.json");

  const std::string text = progress.str();
  CHECK_THAT(text, Contains("] good d/simulation seed 1: done in "));
  CHECK_THAT(text, Contains("] fails d/simulation seed 1: FAILED (exit 3): bad thing happened"));
  CHECK_THAT(text, Contains("] crash d/simulation seed 1: FAILED (killed by signal 9 (Killed)): about to crash"));
  CHECK_THAT(text, Contains("[4/4] "));

  const fs::path fails = cell_dir(out, CellId{"fails", "d", "simulation", 1});
  CHECK_THAT(trellis::core::util::read_file(fails / "log.txt"), Contains("threads 2\nreading data\nbad thing happened"));
  const std::string error = trellis::core::util::read_file(fails / "error.txt");
  CHECK_THAT(error, Contains("status: exit 3\n") && Contains("reading data\nbad thing happened\n") &&
                        Contains("--threads 2 run " + (fails / "cell.toml").string()));
  CHECK(fs::exists(fails / "cell.toml"));

  // Second run: the finished cell is skipped, the failed ones run again.
  const fs::path good_metrics = cell_dir(out, CellId{"good", "d", "simulation", 1}) / "run" / "metrics.json";
  const auto stamp = fs::last_write_time(good_metrics);
  std::ostringstream progress2;
  options.progress = &progress2;
  const RunnerSummary second = run_cells(config, cells, out, options);
  CHECK(second.skipped == 1);
  CHECK(second.outcomes.size() == 3);
  CHECK_THAT(progress2.str(), Contains("skipped 1 finished cells") && Contains("[3/3] ") && !Contains(" good "));
  CHECK(fs::last_write_time(good_metrics) == stamp);
}

TEST_CASE("bench runner: exit statuses and log tails", "[bench]") {
  // waitpid encodes exit code N as N << 8 and death by signal S as S.
  CHECK(describe_status(1 << 8) == "exit 1");
  CHECK(describe_status(SIGSEGV) == "killed by signal 11 (Segmentation fault)");
  TempDir dir;
  const fs::path log = dir.write("log.txt", "one\n\ntwo\nthree\n  \n");
  CHECK(last_lines(log, 2) == std::vector<std::string>{"two", "three"});
  CHECK(last_lines(log, 20) == std::vector<std::string>{"one", "two", "three"});
  CHECK(last_lines(dir.path() / "none.txt", 2).empty());
}

TEST_CASE("bench runner: a missing executable is an error naming it", "[bench]") {
  TempDir dir;
  BenchConfig config;
  config.name = "x";
  config.experiments.push_back(Experiment{"e", dir.path() / "e.toml"});
  config.datasets.push_back(Dataset{"d", "simulation", dir.path() / "d.toml"});
  config.seeds = {1};
  RunnerOptions options;
  options.executable = dir.path() / "no_such_trellis";
  CHECK_THROWS_WITH(run_cells(config, plan_cells(config), dir.path() / "out", options),
                    Contains("cannot start '" + options.executable.string() + "'"));
}

TEST_CASE("bench runner: a predictions cell runs trellis eval on its file", "[bench]") {
  TempDir dir;
  // Records its arguments and writes the metrics where --out says.
  const fs::path script = dir.write("fake_trellis", R"(#!/bin/sh
echo "args: $*"
out=""
while [ $# -gt 0 ]; do
  case "$1" in --out) out="$2"; shift ;; esac
  shift
done
mkdir -p "$out" && echo '{"overall": {"mse": 0.5}}' > "$out/metrics.json"
)");
  ::chmod(script.c_str(), 0755);
  BenchConfig config;
  config.name = "files";
  config.file = dir.path() / "bench.toml";
  config.predictions.push_back(PredictionsEntry{"tool", (dir.path() / "p_{dataset}_{seed}.h5ad").string()});
  config.datasets.push_back(Dataset{"d", "simulation", dir.path() / "d.toml"});
  config.seeds = {4};
  RunnerOptions options;
  options.executable = script;
  options.threads = 3;
  const RunnerSummary summary = run_cells(config, plan_cells(config), dir.path() / "out", options);
  REQUIRE(summary.outcomes.size() == 1);
  CHECK(summary.outcomes[0].ok);
  const fs::path cell = cell_dir(dir.path() / "out", CellId{"tool", "d", "simulation", 4});
  CHECK_THAT(trellis::core::util::read_file(cell / "log.txt"),
             Contains("args: --threads 3 eval --predictions " + (dir.path() / "p_d_4.h5ad").string() + " --config " +
                      (cell / "cell.toml").string() + " --out " + (cell / "run").string()));
}
