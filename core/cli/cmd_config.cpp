// `trellis config print`: the fully resolved config a run would use.
#include <iostream>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "trellis/config/config.hpp"

namespace trellis::core::cli {

void add_config_command(CLI::App& app, GlobalOptions& global) {
  auto* config = app.add_subcommand("config", "Inspect experiment configs");
  config->require_subcommand(1);
  auto* print = config->add_subcommand("print", "Print a config with extends and --set applied");
  struct Args {
    std::string file;
    std::vector<std::string> overrides;
  };
  auto args = std::make_shared<Args>();
  print->add_option("FILE", args->file, "Config file (TOML)")->required();
  print->add_option("--set", args->overrides, "Override KEY=VALUE (value parsed as TOML; repeatable)");
  print->callback([&global, args] {
    configure_logging(global);
    std::cout << config::to_toml(load_config(global, args->file, args->overrides).config);
  });
}

}  // namespace trellis::core::cli
