#include "trellis/bench/bench_config.hpp"

#include <algorithm>
#include <set>

#include "trellis/config/config.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/suggest.hpp"

namespace trellis::core::bench {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kTopKeys = {"name", "experiments", "predictions", "datasets", "seeds", "metrics",
                                           "baselines", "set", "report", "eval"};
const std::vector<std::string> kReportKeys = {"metric", "conditions", "headline"};
const std::vector<std::string> kEvalKeys = {"relative_to"};
const std::vector<std::string> kPredictionsKeys = {"name", "file"};
const std::vector<std::string> kPlaceholders = {"{dataset}", "{seed}"};

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

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

std::string required_string(const toml::table& table, const std::string& key, const std::string& where) {
  const toml::node* node = table.get(key);
  if (!node || !node->is_string() || node->value<std::string>()->empty())
    throw sdk::Error(where + ": '" + key + "' is " + (node ? "not a non-empty string" : "missing") +
                     "; e.g. [[predictions]] name = \"gears_python\" file = \"preds/gears_{dataset}_{seed}.h5ad\"");
  return *node->value<std::string>();
}

// [[predictions]]: name and file of each entry; the file pattern is checked
// for unknown placeholders here, its files once the datasets are known.
std::vector<PredictionsEntry> parse_predictions(const toml::table& table, const fs::path& base,
                                                const std::string& where) {
  std::vector<PredictionsEntry> entries;
  const toml::node* node = table.get("predictions");
  if (!node) return entries;
  const auto* array = node->as_array();
  if (!array || !array->is_array_of_tables())
    throw sdk::Error(where + ": 'predictions' must be an array of tables, one per [[predictions]] entry");
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::table& entry = *array->get(i)->as_table();
    const std::string at = where + " [[predictions]] entry " + std::to_string(i + 1);
    check_keys(entry, kPredictionsKeys, at);
    PredictionsEntry e;
    e.label = required_string(entry, "name", at);
    const std::string file = required_string(entry, "file", at);
    e.file = fs::path(file).is_absolute() ? file : (base / file).string();
    std::string rest = file;
    for (const auto& p : kPlaceholders) replace_all(rest, p, "");
    const auto open = rest.find('{');
    if (open != std::string::npos)
      throw sdk::Error(at + " ('" + e.label + "'): file '" + file + "' holds the unknown placeholder '" +
                       rest.substr(open, rest.find('}', open) - open + 1) + "'; use " + sdk::join(kPlaceholders));
    entries.push_back(std::move(e));
  }
  return entries;
}

}  // namespace

fs::path PredictionsEntry::file_for(const std::string& dataset, std::int64_t seed) const {
  std::string path = file;
  replace_all(path, "{dataset}", dataset);
  replace_all(path, "{seed}", std::to_string(seed));
  return path;
}

std::vector<std::string> BenchConfig::labels() const {
  std::vector<std::string> out;
  for (const auto& e : experiments) out.push_back(e.label);
  for (const auto& p : predictions) out.push_back(p.label);
  return out;
}

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

  config.predictions = parse_predictions(table, base, where);
  const bool predictions = !config.predictions.empty();
  std::set<std::string> labels;
  for (const auto& value : string_array(table, "experiments", where, !predictions)) {
    Experiment e;
    e.config = existing_file(value, base, "experiment", where);
    e.label = e.config.stem().string();
    check_label(e.label, "experiment", e.config, where);
    if (!labels.insert(e.label).second)
      throw sdk::Error(where + ": two experiments are labelled '" + e.label +
                       "' (labels are file stems); rename one of the files");
    config.experiments.push_back(e);
  }
  if (config.experiments.empty() && !predictions)
    throw sdk::Error(where + ": 'experiments' is empty; list at least one model config (or a [[predictions]] entry)");
  for (const auto& p : config.predictions) {
    if (p.label == "." || p.label == ".." || p.label.find('/') != std::string::npos)
      throw sdk::Error(where + ": [[predictions]] name '" + p.label +
                       "' cannot be a folder name (cells are stored by name); choose a name without '/'");
    if (!labels.insert(p.label).second)
      throw sdk::Error(where + ": [[predictions]] name '" + p.label +
                       "' is already the label of an experiment or another entry; choose another name");
  }

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

  // Every cell of a predictions entry needs its file: say which are missing
  // before anything runs.
  for (const auto& p : config.predictions)
    for (const auto& d : config.datasets)
      for (const auto seed : config.seeds) {
        const fs::path file = p.file_for(d.label, seed);
        if (!fs::is_regular_file(file, ec))
          throw sdk::Error(where + ": [[predictions]] '" + p.label + "': file '" + file.string() +
                           "' does not exist (dataset " + d.label + ", seed " + std::to_string(seed) +
                           "; {dataset} and {seed} in 'file' are replaced per cell, paths are relative to the "
                           "bench file)");
      }

  config.metrics = string_array(table, "metrics", where, false);
  config.baselines = string_array(table, "baselines", where, false);
  for (const auto& b : config.baselines) {
    if (labels.count(b)) continue;
    throw sdk::Error(where + ": baseline '" + b + "' is listed in 'baselines' but no experiment is labelled '" + b +
                     "'; add its config to 'experiments' (e.g. \"../models/" + b +
                     ".toml\") or remove it from 'baselines'");
  }

  if (const toml::node* eval_node = table.get("eval")) {
    const auto* eval = eval_node->as_table();
    if (!eval) throw sdk::Error(where + ": 'eval' must be a table");
    check_keys(*eval, kEvalKeys, where + " [eval]");
    if (const toml::node* r = eval->get("relative_to")) {
      if (!r->is_string()) throw sdk::Error(where + ": [eval] relative_to must be a string (an experiment label)");
      config.relative_to = *r->value<std::string>();
      if (!labels.count(config.relative_to)) {
        const std::vector<std::string> known = config.labels();
        const std::string near = sdk::closest_match(config.relative_to, known);
        throw sdk::Error(where + ": [eval] relative_to = '" + config.relative_to +
                         "' names no experiment of the bench" + (near.empty() ? "" : "; did you mean '" + near + "'?") +
                         " Experiments: " + sdk::join(known) + " (add its config to 'experiments', e.g. " +
                         "\"../models/" + config.relative_to + ".toml\")");
      }
    }
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
