#include "trellis/plugin/origin.hpp"

namespace trellis::core::plugin {

namespace {

// `{a = 1, b = "x"}`, cut short: the message must stay readable when a table
// holds long lists.
std::string inline_table(const nlohmann::json& options) {
  constexpr std::size_t kMaxLength = 160;
  std::string out;
  for (const auto& [key, value] : options.items()) {
    out += (out.empty() ? "" : ", ") + key + " = " + value.dump();
    if (out.size() > kMaxLength) return "{" + out.substr(0, kMaxLength) + "...}";
  }
  return "{" + out + "}";
}

}  // namespace

std::string Origin::describe() const {
  std::string text = "plugin '" + plugin + "'";
  if (!version.empty()) text += " " + version;
  text += ", " + key;
  if (!table.empty()) text += " in [" + table + "]";
  if (options.is_object() && !options.empty()) text += " " + inline_table(options);
  return text;
}

}  // namespace trellis::core::plugin
