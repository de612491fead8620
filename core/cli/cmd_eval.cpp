// `trellis eval`: scores predictions made by any tool on an experiment's
// data, split and metrics, with the evaluator and writers `trellis run` uses.
#include <chrono>
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "run_dir.hpp"
#include "trellis/config/config.hpp"
#include "trellis/data/data_config.hpp"
#include "trellis/eval/settings.hpp"
#include "trellis/experiment/imported_predictions.hpp"
#include "trellis/experiment/prepare.hpp"
#include "trellis/experiment/run_record.hpp"
#include "trellis/experiment/scoring.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/suggest.hpp"
#include "trellis/split/split_io.hpp"
#include "trellis/util/atomic_file.hpp"

namespace trellis::core::cli {

namespace fs = std::filesystem;

namespace {

std::string first_few(const std::vector<std::string>& names) {
  std::vector<std::string> shown(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(names.size(), 5)));
  return sdk::join(shown) + (names.size() > shown.size() ? ", ..." : "");
}

}  // namespace

void add_eval_command(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand(
      "eval", "Score predictions made by any tool on an experiment's data, split and metrics, as `run` does");
  cmd->footer(
      "The predictions file is an .h5ad with one row per condition (obs column 'condition', spelled as the\n"
      "dataset spells it, e.g. KLF1+CEBPE) and one column per measured gene (var names = gene symbols, any\n"
      "order). Values are predicted mean expression on the scale of the experiment's preprocessed data, as in\n"
      "the predictions.h5ad `trellis run` writes: the data's own values when it is log-normalised, else\n"
      "log1p of counts normalised to 10,000 per cell. Every test condition of the config's split (same\n"
      "[split] type and seed) needs a row; other rows are ignored. The --out folder gets metrics.json,\n"
      "metrics.csv, top_de.csv, predictions.h5ad (the scored rows), split.toml, config.toml, plugins.toml and\n"
      "run.json; it is written complete or not at all, and must not exist or be empty.");
  struct Args {
    std::string predictions;
    std::string config;
    std::vector<std::string> overrides;
    std::string out;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("--predictions", args->predictions, "Predictions (.h5ad): one row per condition")->required();
  cmd->add_option("--config", args->config, "Experiment config (TOML) whose [data], [split] and [eval] are used")
      ->required();
  cmd->add_option("--set", args->overrides, "Override KEY=VALUE in the config (value parsed as TOML; repeatable)");
  cmd->add_option("--out", args->out, "Output folder (must not exist, or be empty)")->required();
  cmd->callback([&global, args] {
    configure_logging(global);
    const auto start = std::chrono::steady_clock::now();
    const std::string started_at = experiment::utc_now();
    const fs::path predictions_file = fs::absolute(args->predictions);
    std::error_code ec;
    if (!fs::is_regular_file(predictions_file, ec))
      throw sdk::Error("--predictions '" + args->predictions + "' does not exist");
    if (predictions_file.extension() != ".h5ad")
      throw sdk::Error("--predictions '" + args->predictions +
                       "': use an .h5ad file (one row per condition with obs column 'condition', one column per "
                       "measured gene); e.g. anndata.AnnData(X, obs=..., var=...).write_h5ad(FILE)");
    const LoadedConfig loaded = load_config(global, args->config, args->overrides);
    const toml::table& config = loaded.config;
    const auto& host = loaded.host;
    StagedDir staged(args->out);  // checks --out before the data is loaded
    const int threads = configure_threads(global, config["threads"].value_or<std::int64_t>(0));
    const eval::EvalSettings settings = eval::parse_eval_settings(config);
    // Metrics first: a misspelt metric fails before any data is loaded.
    const auto metrics = eval::create_metrics(*host, settings.metrics);

    const auto prepared = experiment::prepare_data(config, *host);
    const experiment::Prepared& p = *prepared;
    const auto data_config = data::parse_data_config(config::to_json(*config.get_as<toml::table>("data")));
    const std::vector<std::string> genes = experiment::measured_gene_names(p.screen());
    const auto imported =
        experiment::read_predictions(predictions_file, p.split.test, genes, p.screen(), data_config.format);
    spdlog::info("predictions {}: {} test conditions x {} genes, values on the scale of the data ({})",
                 predictions_file.string(), p.test.size(), genes.size(), p.loaded.report.values);
    if (!imported.ignored.empty())
      spdlog::info("{} not test conditions of the split and ignored: {}",
                   imported.ignored.size() == 1 ? "1 row is" : std::to_string(imported.ignored.size()) + " rows are",
                   first_few(imported.ignored));
    for (const auto& [label, name] : imported.respelled)
      spdlog::info("row '{}' is scored as the test condition '{}' (the same genes)", label, name);

    eval::EvaluationInput input;
    input.screen = &p.screen();
    input.preprocessed = &p.loaded.preprocessed;
    input.conditions = p.test;
    input.reference_conditions = p.train;
    input.predicted = imported.values;
    input.subgroups = p.split.subgroups;
    const fs::path& dir = staged.path();
    const experiment::Scored scored = experiment::score_and_write(p, input, metrics, settings.headline, dir);
    config::write_resolved(config, dir);
    util::write_file_atomic(dir / "plugins.toml", plugins_toml(*host));
    split::write_split(p.split, dir / "split.toml");
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    nlohmann::json info = experiment::provenance(started_at, threads);
    info.update(nlohmann::json{
        {"command", "eval"},
        {"predictions", predictions_file.string()},
        {"values", p.loaded.report.values},
        {"seed", config["seed"].value_or<std::int64_t>(0)},
        {"split", {{"type", p.split_type}, {"seed", p.split_seed}}},
        {"wall_seconds", seconds},
        {"peak_rss_bytes", experiment::peak_rss_bytes()},
        {"test_conditions", p.test.size()},
        {"ignored_rows", imported.ignored.size()},
    });
    util::write_file_atomic(dir / "run.json", info.dump(2) + "\n");
    staged.commit();

    std::cout << eval::format_table(scored.evaluation, scored.headline);
    std::printf("Scored %zu test conditions x %zu genes from %s in %.1f s. Output: %s\n", p.test.size(),
                genes.size(), predictions_file.string().c_str(), seconds, args->out.c_str());
  });
}

}  // namespace trellis::core::cli
