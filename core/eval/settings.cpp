#include "trellis/eval/settings.hpp"

#include <nlohmann/json.hpp>

#include "trellis/config/config.hpp"
#include "trellis/sdk/error.hpp"

namespace trellis::core::eval {

namespace {

std::vector<std::string> string_array(const nlohmann::json& value, const std::string& key) {
  if (!value.is_array()) throw sdk::Error("[eval]." + key + " must be an array of metric names");
  std::vector<std::string> out;
  for (const auto& item : value) {
    if (!item.is_string()) throw sdk::Error("[eval]." + key + " must be an array of metric names");
    out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace

EvalSettings parse_eval_settings(const toml::table& config) {
  EvalSettings s;
  const auto* table = config.get_as<toml::table>("eval");
  if (!table) return s;
  const nlohmann::json json = config::to_json(*table);
  for (auto it = json.begin(); it != json.end(); ++it) {
    const std::string& key = it.key();
    const nlohmann::json& value = it.value();
    if (key == "metrics") {
      s.metrics = string_array(value, key);
    } else if (key == "headline") {
      s.headline = string_array(value, key);
    } else if (key == "sample_cells") {
      if (!value.is_number_integer() || value.get<std::int64_t>() < 0)
        throw sdk::Error("[eval].sample_cells must be a non-negative integer (0 turns sampling off)");
      s.sample_cells = value.get<std::int64_t>();
    } else {
      throw sdk::Error("[eval]: unknown key '" + key + "'; known keys: metrics, headline, sample_cells");
    }
  }
  return s;
}

}  // namespace trellis::core::eval
