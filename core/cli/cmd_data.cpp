// `trellis data inspect`: validate and summarise a dataset.
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "trellis/config/config.hpp"
#include "trellis/data/screen_loader.hpp"
#include "trellis/sdk/error.hpp"

namespace trellis::core::cli {

namespace {

// PATH is a data TOML (its [data] table), or a file / directory read with
// GEARS conventions.
data::DataConfig config_for(const GlobalOptions& global, const std::string& path,
                            const std::vector<std::string>& overrides) {
  if (std::filesystem::path(path).extension() == ".toml") {
    const toml::table config = load_config(global, path, overrides).config;
    const auto* table = config.get_as<toml::table>("data");
    if (!table) throw sdk::Error(path + " has no [data] table");
    return data::parse_data_config(config::to_json(*table));
  }
  if (!overrides.empty()) throw sdk::Error("--set needs a data TOML, not a data file");
  return data::data_config_for_path(path);
}

}  // namespace

void add_data_command(CLI::App& app, GlobalOptions& global) {
  auto* data_cmd = app.add_subcommand("data", "Validate and summarise datasets");
  data_cmd->require_subcommand(1);
  auto* inspect = data_cmd->add_subcommand("inspect", "Read a dataset and report what is in it and every problem found");
  struct Args {
    std::string path;
    std::vector<std::string> overrides;
    bool list_genes = false;
  };
  auto args = std::make_shared<Args>();
  inspect->add_option("PATH", args->path, "An .h5ad file, a 10x directory, or a data TOML with a [data] table")
      ->required();
  inspect->add_option("--set", args->overrides, "Override KEY=VALUE in the data TOML (repeatable)");
  inspect->add_flag("--genes", args->list_genes, "List the genes that lack each kind of gene knowledge");
  inspect->callback([&global, args] {
    configure_logging(global);
    configure_threads(global, 0);
    const data::DataConfig config = config_for(global, args->path, args->overrides);
    const auto host = load_plugins(global, nullptr);
    const data::LoadedScreen loaded = data::load_screen(config, *host);
    std::cout << data::describe(loaded);
    if (args->list_genes) std::cout << loaded.report.annotation_genes;
  });
}

}  // namespace trellis::core::cli
