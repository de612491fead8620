// `trellis data inspect`: report what a dataset holds and every problem
// found, then load it as a screen when it can be loaded.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <set>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "trellis/config/config.hpp"
#include "trellis/data/data_snippet.hpp"
#include "trellis/data/inspect.hpp"
#include "trellis/data/screen_loader.hpp"
#include "trellis/sdk/error.hpp"

namespace trellis::core::cli {

namespace {

bool is_data_config(const std::string& path) { return std::filesystem::path(path).extension() == ".toml"; }

// The [data] keys --set names ("data.control_label=NT" -> control_label).
std::set<std::string> data_keys_set(const std::vector<std::string>& overrides) {
  std::set<std::string> keys;
  for (const auto& o : overrides) {
    const std::string path = o.substr(0, o.find('='));
    if (path.rfind("data.", 0) != 0)
      throw sdk::Error("--set " + o + ": with a data file only [data] keys can be set, e.g. --set data.control_label=NT");
    keys.insert(path.substr(5, path.find('.', 5) - 5));
  }
  return keys;
}

void add_unique(std::vector<std::string>& problems, const std::vector<std::string>& more) {
  for (const auto& p : more)
    if (std::find(problems.begin(), problems.end(), p) == problems.end()) problems.push_back(p);
}

struct InspectArgs {
  std::string path;
  std::vector<std::string> overrides;
  bool list_genes = false;
};

void inspect(const GlobalOptions& global, const InspectArgs& args) {
  configure_logging(global);
  configure_threads(global, 0);
  const bool file_mode = !is_data_config(args.path);
  // A data file gets a [data] table of defaults (so --set finds every key);
  // a data config brings its own.
  toml::table config;
  std::set<std::string> user_set;
  std::unique_ptr<plugin::PluginHost> host;
  if (file_mode) {
    std::error_code ec;
    if (!std::filesystem::exists(args.path, ec))
      throw sdk::Error("data path '" + args.path + "' does not exist; check the path");
    user_set = data_keys_set(args.overrides);
    config.insert("data", data::data_table_for_file(args.path));
    config::apply_overrides(config, args.overrides);
    host = load_plugins(global, nullptr);
  } else {
    LoadedConfig loaded = load_config(global, args.path, args.overrides);
    config = std::move(loaded.config);
    host = std::move(loaded.host);
    if (!config.get_as<toml::table>("data")) throw sdk::Error(args.path + " has no [data] table");
  }
  toml::table& data_table = *config.get_as<toml::table>("data");

  const data::FileInspection inspection =
      data::inspect_file(data::parse_data_config(config::to_json(data_table)), *host);
  if (file_mode) data::apply_detected(data_table, inspection, user_set);
  const data::DataConfig data_config = data::parse_data_config(config::to_json(data_table));
  std::vector<std::string> problems = inspection.problems;
  add_unique(problems, data::condition_problems(inspection, data_config));

  std::cout << data::describe(inspection);
  if (file_mode && inspection.read)
    std::cout << "\nsuggested data config (save as a .toml file; check it with `trellis data inspect FILE.toml`)\n"
              << data::data_snippet(data_table, inspection);

  std::string load_error;
  try {
    const data::LoadedScreen loaded = data::load_screen(data_config, *host);
    std::cout << "\nscreen (loaded with the [data] " << (file_mode ? "above" : "of " + args.path) << ")\n"
              << data::describe(loaded, false);
    add_unique(problems, loaded.report.problems);
    if (args.list_genes) std::cout << loaded.report.annotation_genes;
  } catch (const std::exception& e) {
    load_error = e.what();
    problems.push_back("the screen cannot be loaded: " + load_error);
  }
  std::cout << "\nproblems     " << (problems.empty() ? "none" : std::to_string(problems.size())) << "\n";
  for (const auto& p : problems) std::cout << "  - " << p << "\n";
  std::cout.flush();
  if (!load_error.empty()) throw sdk::Error(load_error);
}

}  // namespace

void add_data_command(CLI::App& app, GlobalOptions& global) {
  auto* data_cmd = app.add_subcommand("data", "Validate and summarise datasets");
  data_cmd->require_subcommand(1);
  auto* inspect_cmd = data_cmd->add_subcommand(
      "inspect",
      "Report what a dataset holds (X's storage and values, obs and var columns, candidate condition columns and "
      "control labels) and every problem found, then load it as a screen. For a data file, also print a [data] "
      "config built from what was detected.");
  auto args = std::make_shared<InspectArgs>();
  inspect_cmd->add_option("PATH", args->path, "An .h5ad file, a 10x directory, or a data TOML with a [data] table")
      ->required();
  inspect_cmd->add_option("--set", args->overrides,
                          "Override a [data] key, e.g. --set data.control_label=NT (repeatable); with a data file "
                          "it changes the [data] built for the file");
  inspect_cmd->add_flag("--genes", args->list_genes, "List the genes that lack each kind of gene knowledge");
  inspect_cmd->callback([&global, args] { inspect(global, *args); });
}

}  // namespace trellis::core::cli
