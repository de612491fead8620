#pragma once
// Experiment configuration: TOML files with `extends`, command-line
// overrides, and the resolved config every run records.

#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <toml++/toml.h>

namespace trellis::core::config {

/// A problem with a config file or override; the message names the file,
/// line or key, and says how to fix it.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Settings every config has, with their defaults (merged under every file,
/// so `--set seed=1` works even when a file does not mention `seed`).
toml::table defaults();

/// Says which config values are paths: (dotted name of the table holding the
/// value, "" at the top level; that table's component `type`, "" when it has
/// none; the key). The host builds it from the declared schemas: its own
/// tables' and the components' `path` options (see experiment::path_rule).
using PathRule = std::function<bool(const std::string& table, const std::string& type, const std::string& key)>;

/// Loads `file` and everything it `extends` (a string or an array of paths
/// relative to the file, applied in order; tables deep-merged, arrays and
/// scalars replaced; the file's own keys applied last). The values `is_path`
/// names (a string or an array of strings) have `${NAME}` expanded from the
/// environment (`${TRELLIS_DATA_DIR}` defaults to the first `shared/data`
/// folder found above the file; an unset variable is an error) and, when
/// relative, are made absolute against the folder of the file that sets them,
/// so they keep their meaning after merging. Without a rule no value is
/// rewritten. Cycles are errors.
toml::table load(const std::filesystem::path& file, const PathRule& is_path = {});

/// Deep-merges `overlay` into `base` (tables merged, everything else replaced).
void merge(toml::table& base, const toml::table& overlay);

/// Applies one `a.b.c=value` override. The value is parsed as TOML (a bare
/// word that is not valid TOML is taken as a string). The path must exist,
/// except for a new option inside a component table (one with a `type` key),
/// [train], [eval], or [data.select] / [data.reader_options] /
/// [data.guides] / [data.annotation], which are checked where they are used;
/// an unknown key suggests the nearest one. A value `is_path` names is
/// resolved against the current folder.
void apply_override(toml::table& config, const std::string& assignment, const PathRule& is_path = {});
void apply_overrides(toml::table& config, const std::vector<std::string>& assignments,
                     const PathRule& is_path = {});

/// TOML text of a config.
std::string to_toml(const toml::table& config);
/// The same values as JSON (how components receive their option tables).
nlohmann::json to_json(const toml::node& node);

/// Writes the resolved config as `run_dir/config.toml`, atomically.
void write_resolved(const toml::table& config, const std::filesystem::path& run_dir);

}  // namespace trellis::core::config
