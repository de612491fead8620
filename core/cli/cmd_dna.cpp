// `trellis dna train` and `trellis dna score`: a DNA language model trained
// from scratch on a corpus, and regulatory variants scored with it zero-shot.
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "run_dir.hpp"
#include "trellis/config/config.hpp"
#include "trellis/dna/training.hpp"
#include "trellis/sdk/error.hpp"

namespace trellis::core::cli {

namespace {

namespace fs = std::filesystem;

void add_train(CLI::App& dna, GlobalOptions& global) {
  auto* train = dna.add_subcommand("train", "Train a DNA language model by masked-base prediction on a corpus");
  struct Args {
    std::string file;
    std::vector<std::string> overrides;
    std::string out;
    bool resume = false;
  };
  auto args = std::make_shared<Args>();
  train->add_option("CONFIG", args->file, "DNA training config (TOML: [corpus], [masking], [model], [train])")
      ->required();
  train->add_option("--set", args->overrides, "Override KEY=VALUE (value parsed as TOML; repeatable)");
  train->add_option("--out", args->out, "Output folder: model.pt, training.json, config.toml, checkpoints/")
      ->required();
  train->add_flag("--resume", args->resume, "Continue from the output folder's last checkpoint");
  train->callback([&global, args] {
    configure_logging(global);
    toml::table config = config::load(args->file, dna::dna_config_path);
    dna::complete_dna_config(config);
    config::apply_overrides(config, args->overrides, dna::dna_config_path);
    const auto host = load_plugins(global, &config);
    const fs::path out(args->out);
    if (args->resume && !fs::exists(out / "checkpoints" / "last.pt"))
      throw sdk::Error("--resume: '" + (out / "checkpoints" / "last.pt").string() +
                       "' does not exist; there is no training to resume in '" + out.string() + "'");
    RunDirGuard guard(out);
    prepare_run_dir(out);
    log_to_file(out / "train.log");
    const int threads = configure_threads(global, config["threads"].value_or<std::int64_t>(0));
    spdlog::info("DNA language model {} -> {} ({} threads)", args->file, out.string(), threads);
    dna::DnaTrainOptions options;
    options.out = out;
    options.resume = args->resume;
    options.progress_bar = isatty(STDERR_FILENO) != 0;
    dna::train_dna_model(config, *host, options);
    std::cout << "Model: " << (out / "model.pt").string() << "\n";
    guard.keep();
  });
}

}  // namespace

void add_dna_command(CLI::App& app, GlobalOptions& global) {
  auto* dna = app.add_subcommand("dna", "DNA language models: train one on promoters, score variants with it");
  dna->require_subcommand(1);
  add_train(*dna, global);
  add_dna_score_command(*dna, global);
}

}  // namespace trellis::core::cli
