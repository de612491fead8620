#pragma once
// The schemas of an experiment config's own keys: the top level, [eval] and
// [split] (its `type` and `seed`, the rest belonging to the splitter), the
// devices this build supports, and which values are paths.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "trellis/config/config.hpp"
#include "trellis/sdk/options.hpp"

namespace trellis::core::plugin {
class PluginHost;
}

namespace trellis::core::experiment {

/// The keys an experiment config may have at its top level (`extends` is
/// consumed while loading): seed, threads, device, plugin_path and the tables
/// data, model, train, eval, split.
sdk::OptionSchema top_level_schema();

/// Devices this build can run on: "cpu", and "cuda" only when LibTorch was
/// built with CUDA (Debian's is not).
std::vector<std::string> supported_devices();

/// Checks the top-level keys and `device`: an unknown key is an error that
/// suggests the nearest known one; a device this build lacks is an error
/// naming the devices it has.
void check_top_level(const toml::table& config);

/// [split]: the splitter, its seed, and its own options (checked by the splitter).
struct SplitSettings {
  std::string type = "simulation";
  std::uint64_t seed = 0;  ///< default: the experiment's seed
  nlohmann::json options = nlohmann::json::object();
};
/// Reads [split]. Its keys are checked against `type`, `seed` and the
/// splitter's options together, so an unknown key names all of them.
SplitSettings split_settings(const toml::table& config, const plugin::PluginHost& host);

/// Everything an experiment config is checked for before it runs: the top
/// level and device, [eval] and [split] ([data], [model] and [train] are
/// checked by their readers and components).
void check_config(const toml::table& config, const plugin::PluginHost& host);

/// Which config values are paths (see config::load): the host's own
/// (`plugin_path`, `data.path`, `data.annotation.dir`) and every option a
/// component declares as OptionType::path, for a table whose `type` names
/// that component. Without a host only the host's own.
config::PathRule path_rule(const plugin::PluginHost* host);

}  // namespace trellis::core::experiment
