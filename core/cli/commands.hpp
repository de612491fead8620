#pragma once
// The subcommands of `trellis` and the options they share.

#include <memory>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "trellis/plugin/plugin_host.hpp"

namespace CLI {
class App;
}

namespace trellis::core::cli {

/// Options given before the subcommand.
struct GlobalOptions {
  int threads = 0;                     ///< 0: the config's value, else all cores
  std::string log_level = "info";
  std::vector<std::string> plugin_path;  ///< searched before the config's
};

/// Applies --log-level (and checks it).
void configure_logging(const GlobalOptions& global);
/// Sets LibTorch's (and so OpenMP's and OpenBLAS's) thread count: --threads,
/// else the config's `threads`, else all cores.
int configure_threads(const GlobalOptions& global, std::int64_t config_threads);
/// A host with the standard search path (command line, config, environment,
/// install dir), every plugin loaded.
std::unique_ptr<plugin::PluginHost> load_plugins(const GlobalOptions& global, const toml::table* config);
/// An experiment config with the plugins it asks for.
struct LoadedConfig {
  toml::table config;
  std::unique_ptr<plugin::PluginHost> host;
};
/// Loads a config file, applies --set overrides and loads the plugins (its
/// plugin_path included); path values, the host's and the components'
/// declared `path` options, are resolved (see config::load). The top level,
/// `device`, [eval] and [split] are checked: an unknown key or an unsupported
/// device is an error.
LoadedConfig load_config(const GlobalOptions& global, const std::string& file,
                         const std::vector<std::string>& overrides);

void add_plugins_command(CLI::App& app, GlobalOptions& global);
void add_config_command(CLI::App& app, GlobalOptions& global);
void add_run_command(CLI::App& app, GlobalOptions& global);
void add_eval_command(CLI::App& app, GlobalOptions& global);
void add_predict_command(CLI::App& app, GlobalOptions& global);
void add_data_command(CLI::App& app, GlobalOptions& global);
void add_simulate_command(CLI::App& app, GlobalOptions& global);
void add_bench_command(CLI::App& app, GlobalOptions& global);
void add_graph_command(CLI::App& app, GlobalOptions& global);
void add_dna_command(CLI::App& app, GlobalOptions& global);
/// `trellis dna score` (cmd_dna_score.cpp).
void add_dna_score_command(CLI::App& dna, GlobalOptions& global);

}  // namespace trellis::core::cli
