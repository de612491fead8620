// `trellis run`: one experiment, from data to metrics, into a run directory.
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "run_dir.hpp"
#include "trellis/config/config.hpp"
#include "trellis/eval/evaluator.hpp"
#include "trellis/experiment/run.hpp"
#include "trellis/model/assembly.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/suggest.hpp"
#include "trellis/util/atomic_file.hpp"

namespace trellis::core::cli {

namespace fs = std::filesystem;

namespace {

// --resume continues the run in `dir` only under the config it started with.
void check_resumable(const toml::table& config, const fs::path& dir) {
  const fs::path saved = dir / "config.toml";
  if (!fs::exists(saved))
    throw sdk::Error("--resume: '" + saved.string() + "' does not exist; there is no run to resume in '" +
                     dir.string() + "'");
  const auto differ = experiment::differing_keys(config::load(saved), config);
  if (!differ.empty())
    throw sdk::Error("--resume: the checkpoint in '" + dir.string() +
                     "' was made with a different config; these keys differ: " + sdk::join(differ) +
                     ". Resume with the same config, or start a new run directory");
}

// Without [data] a config only describes a model: build it and report.
void assemble_only(const toml::table& config, const plugin::PluginHost& host) {
  spdlog::info("no [data] in the config: building the model only");
  const auto model = model::assemble(config, host);
  std::cout << "Built " << model.provenance.size() << " components:\n";
  for (const auto& p : model.provenance)
    std::cout << "  [" << p.table << "] " << p.key << "  (plugin " << p.plugin << " " << p.version << ")\n";
}

}  // namespace

void add_run_command(CLI::App& app, GlobalOptions& global) {
  auto* run = app.add_subcommand("run", "Run one experiment: fit, predict the test conditions, evaluate "
                                        "(task = \"network\": infer a network and score it)");
  struct Args {
    std::string file;
    std::vector<std::string> overrides;
    std::string out;
    bool resume = false;
    std::int64_t profile = 0;
  };
  auto args = std::make_shared<Args>();
  run->add_option("EXPERIMENT", args->file, "Experiment config (TOML)")->required();
  run->add_option("--set", args->overrides, "Override KEY=VALUE (value parsed as TOML; repeatable)");
  run->add_option("--out", args->out, "Run directory (default: runs/<experiment name>)");
  run->add_flag("--resume", args->resume, "Continue training from the run directory's last checkpoint");
  run->add_option("--profile", args->profile,
                  "Profile N training steps (after 2 warm-up steps): time, FLOPs and the ratio to a matmul peak "
                  "measured in the same run, per operation in step_profile.tsv")
      ->check(CLI::NonNegativeNumber);
  run->callback([&global, args] {
    configure_logging(global);
    const LoadedConfig loaded = load_config(global, args->file, args->overrides);
    const toml::table& config = loaded.config;
    const plugin::PluginHost& host = *loaded.host;
    const fs::path run_dir = args->out.empty() ? fs::path("runs") / fs::path(args->file).stem() : fs::path(args->out);
    if (args->resume) check_resumable(config, run_dir);
    RunDirGuard guard(run_dir);
    prepare_run_dir(run_dir);
    const int threads = configure_threads(global, config["threads"].value_or<std::int64_t>(0));
    spdlog::info("experiment {} -> {} ({} threads)", args->file, run_dir.string(), threads);

    config::write_resolved(config, run_dir);
    util::write_file_atomic(run_dir / "plugins.toml", plugins_toml(host));
    if (!config.get_as<toml::table>("data")) {
      assemble_only(config, host);
      std::cout << "Run directory: " << run_dir.string() << "\n";
      guard.keep();
      return;
    }
    log_to_file(run_dir / "run.log");
    experiment::RunOptions options;
    options.run_dir = run_dir;
    options.resume = args->resume;
    options.profile_steps = args->profile;
    options.progress_bar = isatty(STDERR_FILENO) != 0;
    options.threads = threads;
    const auto result = experiment::run(config, host, options);
    std::cout << eval::format_table(result.evaluation, result.headline);
    std::printf("Finished in %.1f s. Run directory: %s\n", result.wall_seconds, run_dir.string().c_str());
    guard.keep();
  });
}

}  // namespace trellis::core::cli
