#include <thread>

#include <ATen/Parallel.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "trellis/config/config.hpp"
#include "trellis/experiment/config_schema.hpp"
#include "trellis/io/readers.hpp"
#include "trellis/split/splitters.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/log.hpp"

namespace trellis::core::cli {

namespace {
void register_builtin_components(sdk::Registrar& registrar) {
  io::register_readers(registrar);
  split::register_splitters(registrar);
}
}  // namespace

void configure_logging(const GlobalOptions& global) {
  const auto level = spdlog::level::from_str(global.log_level);
  // from_str maps unknown names to "off": refuse them instead of going silent.
  if (level == spdlog::level::off && global.log_level != "off")
    throw sdk::Error("--log-level '" + global.log_level +
                     "' is not a level; use trace, debug, info, warn, error, critical or off");
  // Logs go to stderr so that stdout carries only results.
  auto logger = spdlog::stderr_color_mt("trellis");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("[%H:%M:%S] %^%l%$ %v");
  spdlog::set_level(level);
  // Plugins log through the SDK; their messages join the host's log.
  sdk::set_log_sink([](sdk::LogLevel l, const std::string& message) {
    const auto spd = l == sdk::LogLevel::warning ? spdlog::level::warn
                     : l == sdk::LogLevel::info  ? spdlog::level::info
                                                 : spdlog::level::debug;
    spdlog::log(spd, "{}", message);
  });
}

int configure_threads(const GlobalOptions& global, std::int64_t config_threads) {
  int threads = global.threads > 0 ? global.threads : static_cast<int>(config_threads);
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(threads);
  return threads;
}

std::unique_ptr<plugin::PluginHost> load_plugins(const GlobalOptions& global, const toml::table* config) {
  auto host = std::make_unique<plugin::PluginHost>();
  for (const auto& path : global.plugin_path) host->add_search_path(path, "--plugin-path");
  std::vector<std::string> config_paths;
  if (config) {
    if (const auto* paths = config->get_as<toml::array>("plugin_path")) {
      for (const auto& item : *paths) {
        const auto* s = item.as_string();
        if (!s) throw sdk::Error("plugin_path must be an array of strings");
        config_paths.push_back(s->get());
      }
    } else if (config->contains("plugin_path")) {
      throw sdk::Error("plugin_path must be an array of strings");
    }
  }
  host->add_builtin("builtin", "Readers and splitters compiled into Trellis", &register_builtin_components);
  host->add_standard_search_path(config_paths);
  host->load_search_path();
  spdlog::debug("{} plugins loaded", host->plugins().size());
  return host;
}

LoadedConfig load_config(const GlobalOptions& global, const std::string& file,
                         const std::vector<std::string>& overrides) {
  // Which options are paths is known once the plugins are loaded, and where
  // the plugins are is in the config: read plugin_path first, then the rest.
  const config::PathRule host_paths = experiment::path_rule(nullptr);
  toml::table first = config::load(file, host_paths);
  config::apply_overrides(first, overrides, host_paths);
  LoadedConfig out;
  out.host = load_plugins(global, &first);
  const config::PathRule all_paths = experiment::path_rule(out.host.get());
  out.config = config::load(file, all_paths);
  config::apply_overrides(out.config, overrides, all_paths);
  experiment::check_config(out.config, *out.host);
  return out;
}

}  // namespace trellis::core::cli
