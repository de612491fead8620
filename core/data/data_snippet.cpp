#include "trellis/data/data_snippet.hpp"

#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

#include "trellis/config/config.hpp"
#include "trellis/sdk/suggest.hpp"

namespace trellis::core::data {

namespace {

// The defaults are strings, integers, lists of strings and empty tables.
void insert_json(toml::table& table, const std::string& key, const nlohmann::json& value) {
  if (value.is_object()) {
    toml::table sub;
    for (const auto& [k, v] : value.items()) insert_json(sub, k, v);
    table.insert_or_assign(key, std::move(sub));
  } else if (value.is_array()) {
    toml::array array;
    for (const auto& v : value) array.push_back(v.get<std::string>());
    table.insert_or_assign(key, std::move(array));
  } else if (value.is_boolean()) {
    table.insert_or_assign(key, value.get<bool>());
  } else if (value.is_number_integer()) {
    table.insert_or_assign(key, value.get<std::int64_t>());
  } else if (value.is_number()) {
    table.insert_or_assign(key, value.get<double>());
  } else {
    table.insert_or_assign(key, value.get<std::string>());
  }
}

// `key = value` in TOML syntax.
std::string assignment(const std::string& key, const toml::node& value) {
  toml::table one;
  one.insert(key, value);
  std::ostringstream out;
  out << toml::toml_formatter(one, toml::format_flags::none);
  return out.str();
}

std::string quoted_list(const std::vector<std::string>& names) {
  toml::array array;
  for (const auto& n : names) array.push_back(n);
  std::ostringstream out;
  out << toml::toml_formatter(array, toml::format_flags::none);
  return out.str();
}

}  // namespace

toml::table data_table_for_file(const std::string& path) {
  toml::table data;
  std::error_code ec;
  const auto absolute = std::filesystem::absolute(path, ec);
  data.insert("path", ec ? path : absolute.lexically_normal().string());
  const nlohmann::json defaults = data_config_defaults();  // items() refers into it
  for (const auto& [key, value] : defaults.items()) insert_json(data, key, value);
  return data;
}

void apply_detected(toml::table& data, const FileInspection& inspection, const std::set<std::string>& user_set) {
  if (!inspection.conditions.empty() && !user_set.count("condition_column"))
    data.insert_or_assign("condition_column", inspection.conditions.front().column);
  // The control label of the column in use, when it is a candidate (also
  // when the user chose the column).
  const auto* column = data.get_as<std::string>("condition_column");
  if (column && !user_set.count("control_label"))
    for (const auto& candidate : inspection.conditions)
      if (candidate.column == column->get()) {
        data.insert_or_assign("control_label", candidate.controls.front().label);
        break;
      }
  if (!inspection.perturbation_type_column.empty() && !user_set.count("perturbation_type_column") &&
      !user_set.count("perturbation_type"))
    data.insert_or_assign("perturbation_type_column", inspection.perturbation_type_column);
}

std::string data_snippet(const toml::table& data, const FileInspection& inspection) {
  const nlohmann::json defaults = data_config_defaults();
  const nlohmann::json values = config::to_json(data);
  std::ostringstream out;
  out << "[data]\n";
  // path and the condition keys always, so the user sees what was chosen.
  std::vector<std::string> keys = {"path", "condition_column", "control_label"};
  for (const auto& [key, value] : values.items())
    if (std::find(keys.begin(), keys.end(), key) == keys.end() && defaults.contains(key) && defaults[key] != value &&
        !value.is_object())
      keys.push_back(key);
  for (const auto& key : keys)
    if (const auto* node = data.get(key)) out << assignment(key, *node) << "\n";
  for (std::size_t i = 1; i < inspection.conditions.size() && i < 4; ++i) {
    const ConditionColumn& c = inspection.conditions[i];
    out << "# or: condition_column = \"" << c.column << "\", control_label = \"" << c.controls.front().label
        << "\"\n";
  }
  if (!inspection.covariate_columns.empty())
    out << "# covariates = " << quoted_list(inspection.covariate_columns)
        << "   # obs columns with few values; keep those a model should see, or select cells by one: "
           "[data.select] column = \"value\"\n";
  for (const auto& [key, value] : values.items()) {
    if (!value.is_object() || value.empty()) continue;
    toml::table sub;
    sub.insert(key, *data.get(key));
    toml::table wrapper;
    wrapper.insert("data", std::move(sub));
    std::ostringstream text;
    text << toml::toml_formatter(wrapper);
    // The formatter writes "[data]" then "[data.KEY]"; the first is already out.
    std::string t = text.str();
    const auto at = t.find("[data." + key + "]");
    out << "\n" << (at == std::string::npos ? t : t.substr(at)) << "\n";
  }
  return out.str();
}

}  // namespace trellis::core::data
