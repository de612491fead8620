#pragma once
// The [data] table `trellis data inspect FILE` builds for a data file: the
// defaults, what inspection detected, and the user's --set overrides; and
// the TOML snippet a user can save as a data config.

#include <set>
#include <string>

#include <toml++/toml.h>

#include "trellis/data/inspect.hpp"

namespace trellis::core::data {

/// [data] for a data file: `path` (made absolute) and every other key with
/// its default, so that `--set data.KEY=VALUE` finds each key.
toml::table data_table_for_file(const std::string& path);

/// Sets condition_column to the best candidate column, control_label to the
/// best control label of the condition column in use (detected or set), and
/// perturbation_type_column when a column holds perturbation types; keys in
/// `user_set` (set with --set) are left as they are.
void apply_detected(toml::table& data, const FileInspection& inspection, const std::set<std::string>& user_set);

/// "[data]" with `path`, `condition_column`, `control_label` and every key
/// whose value differs from its default, ready to save as a .toml file;
/// other candidate columns and covariates follow as comments.
std::string data_snippet(const toml::table& data, const FileInspection& inspection);

}  // namespace trellis::core::data
