#include "trellis/bench/bench_config.hpp"

#include <algorithm>
#include <set>

#include "trellis/config/config.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/suggest.hpp"

namespace trellis::core::bench {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kTopKeys = {"name", "experiments", "datasets", "seeds", "metrics",
                                           "baselines", "set", "report"};
const std::vector<std::string> kReportKeys = {"metric", "conditions", "headline"};

void check_keys(const toml::table& table, const std::vector<std::string>& known, const std::string& where) {
  for (auto&& [key, node] : table) {
    const std::string k(key.str());
    if (std::find(known.begin(), known.end(), k) != known.end()) continue;
    const std::string near = sdk::closest_match(k, known);
    throw sdk::Error(where + ": unknown key '" + k + "'" + (near.empty() ? "" : "; did you mean '" + near + "'?") +
                     " Known keys: " + sdk::join(known) + ".");
  }
}

std::vector<std::string> string_array(const toml::table& table, const std::string& key, const std::string& where,
                                      bool required) {
  const toml::node* node = table.get(key);
  if (!node) {
    if (required) throw sdk::Error(where + ": '" + key + "' is missing; it must be an array of strings");
    return {};
  }
  const auto* array = node->as_array();
  if (!array) throw sdk::Error(where + ": '" + key + "' must be an array of strings");
  std::vector<std::string> values;
  for (const auto& item : *array) {
    const auto* s = item.as_string();
    if (!s) throw sdk::Error(where + ": '" + key + "' must be an array of strings");
    values.push_back(s->get());
  }
  return values;
}

// Labels become folder names and table rows: keep them to one path part.
void check_label(const std::string& label, const std::string& what, const fs::path& source, const std::string& where) {
  if (label.empty() || label == "." || label == ".." || label.find('/') != std::string::npos)
    throw sdk::Error(where + ": " + what + " label '" + label + "' (from " + source.string() +
                     ") cannot be a folder name; rename the file or its [data].name");
}

fs::path existing_file(const std::string& value, const fs::path& base, const std::string& key,
                       const std::string& where) {
  const fs::path path = fs::path(value).is_absolute() ? fs::path(value) : base / value;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    throw sdk::Error(where + ": " + key + " config '" + value + "' does not exist (looked for " +
                     path.lexically_normal().string() + "; paths are relative to the bench file)");
  return fs::weakly_canonical(path);
}

}  // namespace

bool BenchConfig::is_baseline(const std::string& experiment) const {
  return std::find(baselines.begin(), baselines.end(), experiment) != baselines.end();
}

BenchConfig parse_bench_config(const fs::path& file, const std::vector<std::string>& overrides) {
  const std::string where = "bench '" + file.string() + "'";
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) throw sdk::Error(where + " does not exist");
  toml::table table;
  try {
    table = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    throw sdk::Error(where + ": line " + std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
  }
  config::apply_overrides(table, overrides);
  check_keys(table, kTopKeys, where);

  BenchConfig config;
  config.file = fs::weakly_canonical(file);
  const fs::path base = config.file.parent_path();
  config.name = table["name"].value_or(file.stem().string());

  std::set<std::string> labels;
  for (const auto& value : string_array(table, "experiments", where, true)) {
    Experiment e;
    e.config = existing_file(value, base, "experiment", where);
    e.label = e.config.stem().string();
    check_label(e.label, "experiment", e.config, where);
    if (!labels.insert(e.label).second)
      throw sdk::Error(where + ": two experiments are labelled '" + e.label +
                       "' (labels are file stems); rename one of the files");
    config.experiments.push_back(e);
  }
  if (config.experiments.empty()) throw sdk::Error(where + ": 'experiments' is empty; list at least one model config");

  std::set<std::pair<std::string, std::string>> dataset_labels;
  for (const auto& value : string_array(table, "datasets", where, true)) {
    Dataset d;
    d.config = existing_file(value, base, "dataset", where);
    const toml::table data = config::load(d.config);
    d.label = data["data"]["name"].value_or(d.config.stem().string());
    d.split = data["split"]["type"].value_or(std::string("simulation"));
    check_label(d.label, "dataset", d.config, where);
    check_label(d.split, "split", d.config, where);
    if (!dataset_labels.insert({d.label, d.split}).second)
      throw sdk::Error(where + ": two datasets are labelled '" + d.label + "/" + d.split +
                       "'; give one a different [data].name");
    config.datasets.push_back(d);
  }
  if (config.datasets.empty()) throw sdk::Error(where + ": 'datasets' is empty; list at least one data config");

  const auto* seeds = table.get_as<toml::array>("seeds");
  if (!seeds) throw sdk::Error(where + ": 'seeds' is missing; it must be an array of integers, e.g. seeds = [1, 2, 3]");
  for (const auto& item : *seeds) {
    const auto seed = item.value<std::int64_t>();
    if (!item.is_integer() || !seed || *seed < 0)
      throw sdk::Error(where + ": 'seeds' must be an array of non-negative integers");
    if (std::find(config.seeds.begin(), config.seeds.end(), *seed) != config.seeds.end())
      throw sdk::Error(where + ": seed " + std::to_string(*seed) + " is listed twice in 'seeds'");
    config.seeds.push_back(*seed);
  }
  if (config.seeds.empty()) throw sdk::Error(where + ": 'seeds' is empty; list at least one split seed");

  config.metrics = string_array(table, "metrics", where, false);
  config.baselines = string_array(table, "baselines", where, false);
  for (const auto& b : config.baselines) {
    if (labels.count(b)) continue;
    throw sdk::Error(where + ": baseline '" + b + "' is listed in 'baselines' but no experiment is labelled '" + b +
                     "'; add its config to 'experiments' (e.g. \"../models/" + b +
                     ".toml\") or remove it from 'baselines'");
  }

  if (const toml::node* set = table.get("set")) {
    if (!set->is_table()) throw sdk::Error(where + ": 'set' must be a table of config values for every cell");
    config.set = *set->as_table();
  }
  if (const toml::node* report_node = table.get("report")) {
    const auto* report = report_node->as_table();
    if (!report) throw sdk::Error(where + ": 'report' must be a table");
    check_keys(*report, kReportKeys, where + " [report]");
    if (const toml::node* m = report->get("metric")) {
      if (!m->is_string()) throw sdk::Error(where + ": [report] metric must be a string (a metric name)");
      config.report.metric = *m->value<std::string>();
    }
    if (const toml::node* c = report->get("conditions")) {
      const auto n = c->value<std::int64_t>();
      if (!c->is_integer() || *n < 0 || *n > 100)
        throw sdk::Error(where + ": [report] conditions must be an integer from 0 to 100");
      config.report.conditions = static_cast<int>(*n);
    }
    if (report->contains("headline")) config.report.headline = string_array(*report, "headline", where + " [report]", false);
  }
  return config;
}

}  // namespace trellis::core::bench
