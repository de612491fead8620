// `trellis bench`: run a grid of experiments x datasets x split seeds (each
// cell a child `trellis run`), resumably, then write tables and a report.
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "trellis/bench/bench.hpp"
#include "trellis/bench/bench_config.hpp"
#include "trellis/bench/cells.hpp"
#include "trellis/bench/runner.hpp"
#include "trellis/sdk/error.hpp"

namespace trellis::core::cli {

namespace fs = std::filesystem;

namespace {

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buffer;
}

}  // namespace

void add_bench_command(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("bench", "Run a grid of experiments (and predictions files) x datasets x split seeds; write tables and a report");
  struct Args {
    std::string file;
    std::string out;
    int jobs = 1;
    std::vector<std::string> overrides;
    bool collect_only = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("BENCH", args->file, "Bench config (TOML; see configs/bench/baselines.toml)")->required();
  cmd->add_option("--out", args->out, "Output folder; running again with the same folder skips finished cells")
      ->required();
  cmd->add_option("--jobs", args->jobs, "Cells run at once")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_flag("--collect-only", args->collect_only,
                "Run nothing: only rebuild the tables and the report from the cell folders (e.g. cells run elsewhere)");
  cmd->add_option("--set", args->overrides, "Override a key of the bench file, KEY=VALUE (value parsed as TOML; repeatable)");
  cmd->callback([&global, args] {
    configure_logging(global);
    const bench::BenchConfig config = bench::parse_bench_config(args->file, args->overrides);
    const fs::path out = fs::absolute(args->out);
    std::error_code ec;
    fs::create_directories(out, ec);
    if (ec) throw sdk::Error("cannot create bench folder '" + out.string() + "': " + ec.message());

    const auto cells = bench::plan_cells(config);
    bench::RunnerOptions options;
    options.executable = fs::read_symlink("/proc/self/exe", ec);
    if (ec) throw sdk::Error("cannot find the trellis executable (/proc/self/exe): " + ec.message());
    options.jobs = args->jobs;
    // Cells share the cores instead of each taking all of them.
    const int hardware = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    options.threads = global.threads > 0 ? global.threads : std::max(1, hardware / args->jobs);
    options.global_args = {"--log-level", global.log_level};
    for (const auto& p : global.plugin_path) {
      options.global_args.push_back("--plugin-path");
      options.global_args.push_back(fs::absolute(p).string());
    }
    options.progress = &std::cout;
    spdlog::info(
        "bench {}: {} cells ({} experiments + {} predictions x {} datasets x {} seeds) -> {} ({} at once, {} threads "
        "each)",
        config.name, cells.size(), config.experiments.size(), config.predictions.size(), config.datasets.size(),
        config.seeds.size(), out.string(), options.jobs, options.threads);

    if (!args->collect_only) bench::run_cells(config, cells, out, options);
    const auto results = bench::write_outputs(config, out, args->jobs, utc_now());
    std::cout << "Results: " << (out / "results.csv").string() << "\nSummary: " << (out / "summary.md").string()
              << "\nReport:  " << (out / "report.html").string() << "\n";
    if (!results.failures.empty())
      throw sdk::Error(std::to_string(results.failures.size()) + " of " + std::to_string(cells.size()) +
                       " cells failed (listed in " + (out / "failures.csv").string() +
                       "); run the same command again to retry them");
  });
}

}  // namespace trellis::core::cli
