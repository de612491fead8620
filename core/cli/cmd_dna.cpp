// `trellis dna train`, `score` and `embed`: a DNA language model trained
// from scratch on a corpus, regulatory variants scored with it zero-shot,
// and genes embedded with it.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <set>
#include <sstream>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "run_dir.hpp"
#include "trellis/config/config.hpp"
#include "trellis/dna/corpus.hpp"
#include "trellis/dna/training.hpp"
#include "trellis/plugin/plugin_host.hpp"
#include "trellis/sdk/data.hpp"
#include "trellis/sdk/dna_sequence.hpp"
#include "trellis/sdk/encoder.hpp"
#include "trellis/util/atomic_file.hpp"
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

// Gene embeddings to a table encoder/precomputed reads: encoder/dnalm over
// every gene of a sequence file (EPD ids SYMBOL_N grouped by SYMBOL).
void add_embed(CLI::App& dna, GlobalOptions& global) {
  auto* embed = dna.add_subcommand("embed", "Embed the genes of a sequence file with a trained DNA language model "
                                            "(encoder/dnalm) into a TSV for encoder/precomputed");
  struct Args {
    std::string model, sequences, out;
    std::int64_t batch_size = 64;
  };
  auto args = std::make_shared<Args>();
  embed->add_option("--model", args->model, "A model file written by `trellis dna train` (DIR/model.pt)")->required();
  embed->add_option("--sequences", args->sequences, "FASTA or TSV (id<TAB>sequence) of gene sequences")->required();
  embed->add_option("--out", args->out, "The TSV to write: gene, then one column per hidden dimension")->required();
  embed->add_option("--batch-size", args->batch_size, "Sequences per forward pass")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  embed->callback([&global, args] {
    configure_logging(global);
    const auto host = load_plugins(global, nullptr);
    const int threads = configure_threads(global, 0);
    sdk::GeneTable genes;
    std::set<std::string> seen;
    for (const auto& record : sdk::read_sequence_records(args->sequences, "--sequences")) {
      const std::string symbol = dna::split_group(record.id);
      if (!seen.insert(symbol).second) continue;
      sdk::Gene gene;
      gene.symbol = symbol;
      genes.add(gene);
    }
    sdk::BuildContext context;
    context.genes = &genes;
    const auto encoder = host->create<sdk::FeatureEncoder>(
        "dnalm", {{"model", args->model}, {"sequences_file", args->sequences}, {"batch_size", args->batch_size}},
        "trellis dna embed");
    const auto started = std::chrono::steady_clock::now();
    const at::Tensor features = encoder->encode(context);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const at::Tensor values = features.narrow(1, 0, features.size(1) - 1).contiguous();  // every gene has a sequence
    std::ostringstream out;
    out << "gene";
    for (std::int64_t d = 0; d < values.size(1); ++d) out << "\tdnalm_" << d;
    out << "\n";
    const auto v = values.accessor<float, 2>();
    char number[32];
    for (std::int64_t g = 0; g < values.size(0); ++g) {
      out << genes.at(g).symbol;
      for (std::int64_t d = 0; d < values.size(1); ++d) {
        std::snprintf(number, sizeof number, "\t%.6g", static_cast<double>(v[g][d]));
        out << number;
      }
      out << "\n";
    }
    util::write_file_atomic(args->out, out.str());
    std::printf("Embedded %lld genes in %.1f s (%.0f genes/s, %d threads): %s\n",
                static_cast<long long>(genes.size()), seconds, static_cast<double>(genes.size()) / seconds, threads,
                args->out.c_str());
  });
}

}  // namespace

void add_dna_command(CLI::App& app, GlobalOptions& global) {
  auto* dna = app.add_subcommand("dna", "DNA language models: train one on promoters, score variants with it");
  dna->require_subcommand(1);
  add_train(*dna, global);
  add_dna_score_command(*dna, global);
  add_embed(*dna, global);
}

}  // namespace trellis::core::cli
