#include "trellis/config/config.hpp"

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include <nlohmann/json.hpp>

#include "trellis/sdk/suggest.hpp"
#include "trellis/util/atomic_file.hpp"

namespace trellis::core::config {

namespace fs = std::filesystem;

namespace {

// TRELLIS_DATA_DIR defaults to the shared/data folder beside the repository
// that holds the config (the first ancestor with a shared/data subfolder).
std::string default_data_dir(const fs::path& dir) {
  std::error_code ec;
  for (fs::path p = fs::weakly_canonical(dir); !p.empty(); p = p.parent_path()) {
    if (fs::is_directory(p / "shared" / "data", ec)) return (p / "shared" / "data").string();
    if (p == p.parent_path()) break;
  }
  return "";
}

// Expands ${NAME} from the environment; `key` (the dotted key) and `file`
// name the value in messages.
std::string expand_variables(const std::string& value, const fs::path& dir, const std::string& key,
                             const std::string& file) {
  std::string out;
  std::size_t i = 0;
  while (i < value.size()) {
    const std::size_t open = value.find("${", i);
    if (open == std::string::npos) {
      out += value.substr(i);
      break;
    }
    const std::size_t close = value.find('}', open);
    if (close == std::string::npos)
      throw ConfigError(file + ": '" + key + "': unterminated ${ in '" + value + "'; write ${NAME}");
    out += value.substr(i, open - i);
    const std::string name = value.substr(open + 2, close - open - 2);
    const char* env = std::getenv(name.c_str());
    std::string replacement = env ? env : "";
    if (replacement.empty() && name == "TRELLIS_DATA_DIR") replacement = default_data_dir(dir);
    if (replacement.empty())
      throw ConfigError(file + ": '" + key + "' = '" + value + "' uses ${" + name + "}, which is not set" +
                        (name == "TRELLIS_DATA_DIR" ? std::string(" and no shared/data folder was found above ") +
                                                          dir.string()
                                                    : std::string()) +
                        "; set the environment variable " + name + " or write the path out");
    out += replacement;
    i = close + 1;
  }
  return out;
}

std::string absolute_against(const std::string& raw, const fs::path& dir, const std::string& key,
                             const std::string& file) {
  const std::string value = expand_variables(raw, dir, key, file);
  if (value.empty() || fs::path(value).is_absolute()) return value;
  return fs::weakly_canonical(dir / value).string();
}

std::string dotted(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

// The table at `path` (dotted) in `root`, or nullptr.
const toml::table* table_at(const toml::table& root, const std::string& path) {
  if (path.empty()) return &root;
  const toml::table* table = &root;
  std::size_t start = 0;
  while (table) {
    const std::size_t dot = path.find('.', start);
    table = table->get_as<toml::table>(path.substr(start, dot == std::string::npos ? dot : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return table;
}

// Rewrites the values `is_path` names (in `table`, the dotted name `prefix`
// of the file `file`) so that they keep meaning the same file after tables
// from different directories are merged. A table that sets some options of a
// component without its `type` takes the type from `inherited` (what the
// files it extends set).
void resolve_paths(toml::table& table, const std::string& prefix, const fs::path& dir, const std::string& file,
                   const PathRule& is_path, const toml::table& inherited) {
  std::string type;
  if (const auto* t = table.get_as<std::string>("type")) {
    type = t->get();
  } else if (const toml::table* before = table_at(inherited, prefix)) {
    if (const auto* t = before->get_as<std::string>("type")) type = t->get();
  }
  for (auto&& [key, node] : table) {
    const std::string name(key.str());
    if (auto* sub = node.as_table()) {
      resolve_paths(*sub, dotted(prefix, name), dir, file, is_path, inherited);
    } else if (is_path(prefix, type, name)) {
      const std::string where = dotted(prefix, name);
      if (auto* s = node.as_string()) {
        *s = absolute_against(s->get(), dir, where, file);
      } else if (auto* arr = node.as_array()) {
        for (auto& item : *arr)
          if (auto* s = item.as_string()) *s = absolute_against(s->get(), dir, where, file);
      }
    }
  }
}

toml::table parse_file(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) throw ConfigError("config file '" + file.string() + "' does not exist");
  try {
    return toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    std::ostringstream message;
    message << file.string() << ":" << where.line << ":" << where.column << ": malformed TOML: " << e.description();
    throw ConfigError(message.str());
  }
}

std::vector<fs::path> extends_of(const toml::table& table, const fs::path& file) {
  std::vector<fs::path> out;
  const toml::node* node = table.get("extends");
  if (!node) return out;
  auto add = [&](const toml::node& item) {
    const auto* s = item.as_string();
    if (!s) throw ConfigError(file.string() + ": 'extends' must be a path or an array of paths");
    out.push_back(file.parent_path() / s->get());
  };
  if (const auto* arr = node->as_array()) {
    for (const auto& item : *arr) add(item);
  } else {
    add(*node);
  }
  return out;
}

toml::table load_recursive(const fs::path& file, std::vector<fs::path>& stack, const PathRule& is_path) {
  const fs::path canonical = fs::weakly_canonical(file);
  if (std::find(stack.begin(), stack.end(), canonical) != stack.end()) {
    std::string chain;
    for (const auto& p : stack) chain += p.string() + " -> ";
    throw ConfigError("extends cycle: " + chain + canonical.string() + "; remove one of these 'extends' entries");
  }
  toml::table own = parse_file(canonical);
  stack.push_back(canonical);
  toml::table result;
  for (const auto& parent : extends_of(own, canonical)) {
    std::error_code ec;
    if (!fs::exists(parent, ec))
      throw ConfigError(canonical.string() + ": extends target '" + parent.string() + "' does not exist");
    merge(result, load_recursive(parent, stack, is_path));
  }
  stack.pop_back();
  own.erase("extends");
  if (is_path) resolve_paths(own, "", canonical.parent_path(), canonical.string(), is_path, result);
  merge(result, own);
  return result;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = path.find('.', start);
    parts.push_back(path.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

std::vector<std::string> keys_of(const toml::table& table) {
  std::vector<std::string> keys;
  for (auto&& [key, node] : table) keys.push_back(std::string(key.str()));
  return keys;
}

std::string unknown_key_message(const std::string& assignment, const std::string& prefix, const std::string& key,
                                const toml::table& table) {
  const auto keys = keys_of(table);
  std::string message = "--set " + assignment + ": unknown key '" + prefix + key + "'.";
  const std::string near = sdk::closest_match(key, keys);
  if (!near.empty()) message += " Did you mean '" + prefix + near + "'?";
  message += keys.empty() ? " The table is empty." : " Keys here: " + sdk::join(keys) + ".";
  return message;
}

// Parses the right-hand side of an override as a TOML value.
toml::table parse_value(const std::string& text) {
  try {
    return toml::parse("value = " + text);
  } catch (const toml::parse_error&) {
    toml::table t;
    t.insert("value", text);  // a bare word: take it as a string
    return t;
  }
}

}  // namespace

toml::table defaults() {
  return toml::table{
      {"seed", 0},
      {"threads", 0},
      {"task", "response"},
      {"device", "cpu"},
      {"plugin_path", toml::array{}},
      {"model", toml::table{}},
      {"train", toml::table{}},
      {"eval", toml::table{}},
  };
}

toml::table load(const fs::path& file, const PathRule& is_path) {
  std::vector<fs::path> stack;
  toml::table result = defaults();
  merge(result, load_recursive(file, stack, is_path));
  return result;
}

void merge(toml::table& base, const toml::table& overlay) {
  for (auto&& [key, node] : overlay) {
    auto* base_table = base.get_as<toml::table>(key);
    const auto* overlay_table = node.as_table();
    // A table naming another component type replaces the inherited one: the
    // old component's options would be unknown to the new one.
    const auto* base_type = base_table ? base_table->get_as<std::string>("type") : nullptr;
    const auto* overlay_type = overlay_table ? overlay_table->get_as<std::string>("type") : nullptr;
    const bool other_component = base_type && overlay_type && base_type->get() != overlay_type->get();
    if (base_table && overlay_table && !other_component) {
      merge(*base_table, *overlay_table);
    } else {
      base.insert_or_assign(key, node);
    }
  }
}

void apply_override(toml::table& config, const std::string& assignment, const PathRule& is_path) {
  const std::size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError("--set " + assignment + ": expected KEY=VALUE, e.g. --set model.predictor.hidden=128");
  const std::string path = assignment.substr(0, eq);
  const auto parts = split_path(path);
  toml::table* table = &config;
  std::string prefix;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    toml::table* next = table->get_as<toml::table>(parts[i]);
    if (!next) {
      if (table->contains(parts[i]))
        throw ConfigError("--set " + assignment + ": '" + prefix + parts[i] + "' is a value, not a table");
      throw ConfigError(unknown_key_message(assignment, prefix, parts[i], *table));
    }
    table = next;
    prefix += parts[i] + ".";
  }
  const std::string& leaf = parts.back();
  if (leaf.empty()) throw ConfigError("--set " + assignment + ": empty key");
  // Component tables, [train] / [eval] and the option tables of [data]
  // check their own keys when used (with the nearest key suggested), and
  // [data.select] names obs columns, so new keys are accepted there.
  const bool data_options = parts.size() == 3 && parts[0] == "data" &&
                            (parts[1] == "select" || parts[1] == "reader_options" || parts[1] == "guides" ||
                             parts[1] == "annotation");
  const bool open_table = table->contains("type") ||
                          (parts.size() == 2 && (parts[0] == "train" || parts[0] == "eval")) || data_options;
  if (!table->contains(leaf) && !open_table)
    throw ConfigError(unknown_key_message(assignment, prefix, leaf, *table));
  toml::table parsed = parse_value(assignment.substr(eq + 1));
  if (is_path) {
    // A path given on the command line is relative to the current folder.
    const std::string table_name = prefix.empty() ? "" : prefix.substr(0, prefix.size() - 1);
    toml::table scoped;
    scoped.insert(leaf, *parsed.get("value"));
    if (const auto* t = table->get_as<std::string>("type")) scoped.insert("type", t->get());
    resolve_paths(scoped, table_name, fs::current_path(), "--set " + assignment, is_path, toml::table{});
    table->insert_or_assign(leaf, *scoped.get(leaf));
    return;
  }
  table->insert_or_assign(leaf, *parsed.get("value"));
}

void apply_overrides(toml::table& config, const std::vector<std::string>& assignments, const PathRule& is_path) {
  for (const auto& a : assignments) apply_override(config, a, is_path);
}

std::string to_toml(const toml::table& config) {
  std::ostringstream out;
  out << toml::toml_formatter(config) << "\n";
  return out.str();
}

nlohmann::json to_json(const toml::node& node) {
  if (const auto* t = node.as_table()) {
    nlohmann::json out = nlohmann::json::object();
    for (auto&& [key, value] : *t) out[std::string(key.str())] = to_json(value);
    return out;
  }
  if (const auto* a = node.as_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& value : *a) out.push_back(to_json(value));
    return out;
  }
  if (const auto* v = node.as_integer()) return v->get();
  if (const auto* v = node.as_floating_point()) return v->get();
  if (const auto* v = node.as_boolean()) return v->get();
  if (const auto* v = node.as_string()) return v->get();
  std::ostringstream text;  // dates and times: keep their TOML spelling
  node.visit([&](const auto& n) { text << n; });
  return text.str();
}

void write_resolved(const toml::table& config, const fs::path& run_dir) {
  util::write_file_atomic(run_dir / "config.toml", to_toml(config));
}

}  // namespace trellis::core::config
