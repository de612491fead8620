#include "trellis/split/split_io.hpp"

#include <set>
#include <sstream>
#include <stdexcept>

#include <toml++/toml.h>

#include "trellis/sdk/error.hpp"
#include "trellis/util/atomic_file.hpp"

namespace trellis::core::split {
namespace {

toml::array to_array(const std::vector<std::string>& names) {
  toml::array a;
  for (const auto& n : names) a.push_back(n);
  return a;
}

std::vector<std::string> string_list(const toml::node& node, const std::string& key, const std::string& file) {
  const auto* array = node.as_array();
  std::vector<std::string> out;
  bool ok = array != nullptr;
  if (ok) {
    for (const auto& item : *array) {
      const auto value = item.value<std::string>();
      if (!value) {
        ok = false;
        break;
      }
      out.push_back(*value);
    }
  }
  if (!ok) {
    throw sdk::Error("split file '" + file + "' line " + std::to_string(node.source().begin.line) + ": '" + key +
                     "' must be a list of condition names (strings)");
  }
  return out;
}

}  // namespace

void write_split(const sdk::Split& split, const std::filesystem::path& file) {
  toml::table root;
  root.insert("train", to_array(split.train));
  root.insert("val", to_array(split.val));
  root.insert("test", to_array(split.test));
  toml::table groups;
  for (const auto& [name, members] : split.subgroups) groups.insert(name, to_array(members));
  root.insert("subgroups", std::move(groups));
  std::ostringstream out;
  out << "# Conditions per set; subgroups divide the test set.\n" << root << "\n";
  try {
    util::write_file_atomic(file, out.str());
  } catch (const std::runtime_error& e) {
    throw sdk::Error(std::string(e.what()) + "; check that the folder exists and is writable");
  }
}

sdk::Split read_split(const std::filesystem::path& file) {
  const std::string name = file.string();
  if (!std::filesystem::exists(file)) {
    throw sdk::Error("split file '" + name + "' does not exist; give the path of a TOML file with train, val and "
                     "test lists");
  }
  toml::table root;
  try {
    root = toml::parse_file(name);
  } catch (const toml::parse_error& e) {
    throw sdk::Error("split file '" + name + "' line " + std::to_string(e.source().begin.line) + ": " +
                     std::string(e.description()));
  }
  sdk::Split split;
  for (const auto& [key, node] : root) {
    const std::string k(key.str());
    if (k == "train") split.train = string_list(node, k, name);
    else if (k == "val") split.val = string_list(node, k, name);
    else if (k == "test") split.test = string_list(node, k, name);
    else if (k == "subgroups") {
      const auto* groups = node.as_table();
      if (!groups) throw sdk::Error("split file '" + name + "': 'subgroups' must be a table of name = [conditions]");
      for (const auto& [group, members] : *groups) {
        split.subgroups[std::string(group.str())] = string_list(members, "subgroups." + std::string(group.str()), name);
      }
    } else {
      throw sdk::Error("split file '" + name + "': unknown key '" + k + "'; known keys: train, val, test, subgroups");
    }
  }
  if (!root.contains("train") || !root.contains("test")) {
    throw sdk::Error("split file '" + name + "' must have 'train' and 'test' lists (and optionally 'val')");
  }
  return split;
}

std::string summarise(const sdk::Split& split, const std::map<std::string, std::int64_t>& cells_per_condition) {
  std::ostringstream out;
  std::set<std::string> placed;
  auto line = [&](const std::string& label, const std::vector<std::string>& names) {
    std::int64_t cells = 0;
    for (const auto& n : names) {
      const auto it = cells_per_condition.find(n);
      if (it != cells_per_condition.end()) cells += it->second;
    }
    out << label << ": " << names.size() << " conditions, " << cells << " cells\n";
  };
  line("train", split.train);
  line("val", split.val);
  line("test", split.test);
  for (const auto& [group, members] : split.subgroups) line("  test/" + group, members);
  for (const auto* v : {&split.train, &split.val, &split.test}) placed.insert(v->begin(), v->end());
  std::vector<std::string> unplaced;
  for (const auto& [n, count] : cells_per_condition) {
    if (!placed.count(n)) unplaced.push_back(n);
  }
  if (!unplaced.empty()) line("in no set", unplaced);
  return out.str();
}

}  // namespace trellis::core::split
