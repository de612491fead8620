#include "trellis/bench/results.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>

#include <nlohmann/json.hpp>

#include "trellis/io/tables.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/util/atomic_file.hpp"
#include "trellis/util/csv.hpp"

namespace trellis::core::bench {

namespace fs = std::filesystem;
using nlohmann::json;
using util::csv_field;

namespace {

json read_json(const fs::path& file) {
  try {
    return json::parse(util::read_file(file));
  } catch (const json::exception& e) {
    throw sdk::Error("'" + file.string() + "' is not valid JSON: " + e.what());
  }
}

// {metric: value}; nulls (undefined metrics) are left out.
std::map<std::string, double> metric_map(const json& object, const fs::path& file, const std::string& where) {
  std::map<std::string, double> values;
  if (object.is_null()) return values;
  if (!object.is_object()) throw sdk::Error("'" + file.string() + "': " + where + " must be an object of metric values");
  for (const auto& [metric, value] : object.items()) {
    if (value.is_null()) continue;
    if (!value.is_number()) throw sdk::Error("'" + file.string() + "': " + where + "." + metric + " must be a number");
    values[metric] = value.get<double>();
  }
  return values;
}

std::map<std::string, std::map<std::string, double>> nested_map(const json& object, const fs::path& file,
                                                                const std::string& where) {
  std::map<std::string, std::map<std::string, double>> values;
  if (object.is_null()) return values;
  if (!object.is_object()) throw sdk::Error("'" + file.string() + "': '" + where + "' must be an object");
  for (const auto& [name, metrics] : object.items()) values[name] = metric_map(metrics, file, where + "." + name);
  return values;
}

double to_double(const std::string& text, const fs::path& file, std::int64_t line) {
  try {
    std::size_t used = 0;
    const double v = std::stod(text, &used);
    if (used == text.size()) return v;
  } catch (const std::exception&) {
  }
  if (text == "nan" || text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  throw sdk::Error("'" + file.string() + "' line " + std::to_string(line) + ": '" + text + "' is not a number");
}

}  // namespace

CellResult read_cell(const fs::path& dir, const CellId& id) {
  CellResult cell;
  cell.id = id;
  const fs::path metrics_file = dir / "run" / "metrics.json";
  const json metrics = read_json(metrics_file);
  if (!metrics.is_object()) throw sdk::Error("'" + metrics_file.string() + "' must hold a JSON object");
  cell.overall = metric_map(metrics.value("overall", json()), metrics_file, "overall");
  cell.subgroups = nested_map(metrics.value("subgroups", json()), metrics_file, "subgroups");
  cell.conditions = nested_map(metrics.value("conditions", json()), metrics_file, "conditions");
  if (metrics.contains("directions") && metrics["directions"].is_object()) {
    for (const auto& [metric, d] : metrics["directions"].items()) {
      const std::string text = d.is_string() ? d.get<std::string>() : "";
      cell.directions[metric] = text == "higher_is_better"  ? Direction::higher_is_better
                                : text == "lower_is_better" ? Direction::lower_is_better
                                                            : Direction::unknown;
    }
  }

  std::error_code ec;
  const fs::path run_json = dir / "run" / "run.json";
  if (fs::is_regular_file(run_json, ec)) {
    const json run = read_json(run_json);
    if (run.is_object()) {
      if (run.contains("wall_seconds") && run["wall_seconds"].is_number()) cell.wall_seconds = run["wall_seconds"].get<double>();
      if (run.contains("peak_rss_bytes") && run["peak_rss_bytes"].is_number())
        cell.peak_rss_bytes = run["peak_rss_bytes"].get<double>();
      if (run.contains("git_commit") && run["git_commit"].is_string()) cell.git_commit = run["git_commit"].get<std::string>();
      if (run.contains("trellis_version") && run["trellis_version"].is_string())
        cell.trellis_version = run["trellis_version"].get<std::string>();
    }
  }

  const fs::path top_de = dir / "run" / "top_de.csv";
  if (fs::is_regular_file(top_de, ec)) {
    const io::TextTable table = io::read_table(top_de, io::TableOptions{',', true, false});
    auto column = [&](const std::string& name) {
      const auto it = std::find(table.header.begin(), table.header.end(), name);
      if (it == table.header.end())
        throw sdk::Error("'" + top_de.string() + "' has no column '" + name +
                         "' (expected condition,rank,gene,control,observed,predicted,observed_delta,predicted_delta)");
      return static_cast<std::size_t>(it - table.header.begin());
    };
    const std::size_t c = column("condition"), g = column("gene"), o = column("observed_delta"),
                      p = column("predicted_delta");
    for (std::size_t r = 0; r < table.rows.size(); ++r) {
      const auto& row = table.rows[r];
      cell.top_de[row[c]].push_back(
          {row[g], to_double(row[o], top_de, table.lines[r]), to_double(row[p], top_de, table.lines[r])});
    }
  }
  return cell;
}

BenchResults collect(const fs::path& out, const std::vector<CellId>& only) {
  BenchResults results;
  const fs::path root = out / "cells";
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return results;
  const std::set<CellId> wanted(only.begin(), only.end());
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_directory() || it.depth() != 3) continue;
    it.disable_recursion_pending();
    CellId id;
    if (!parse_cell_dir(it->path(), id)) continue;
    if (!wanted.empty() && !wanted.count(id)) continue;
    if (cell_finished(it->path())) {
      results.cells.push_back(read_cell(it->path(), id));
    } else if (fs::is_regular_file(it->path() / "error.txt")) {
      const std::string text = util::read_file(it->path() / "error.txt");
      // error.txt starts "status: <status>"; the last log line is its last line.
      std::string status = text.substr(0, text.find('\n'));
      if (status.rfind("status: ", 0) == 0) status = status.substr(8);
      std::string rest = text;
      while (!rest.empty() && rest.back() == '\n') rest.pop_back();
      const std::string last = rest.substr(rest.rfind('\n') == std::string::npos ? 0 : rest.rfind('\n') + 1);
      results.failures.push_back({id, status + ": " + last});
    }
  }
  if (ec) throw sdk::Error("cannot read bench cells under '" + root.string() + "': " + ec.message());
  std::sort(results.cells.begin(), results.cells.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  std::sort(results.failures.begin(), results.failures.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return results;
}

std::vector<Row> tidy_rows(const BenchResults& results, const std::vector<std::string>& metrics) {
  auto wanted = [&](const std::string& m) {
    return metrics.empty() || std::find(metrics.begin(), metrics.end(), m) != metrics.end();
  };
  std::vector<Row> rows;
  for (const auto& cell : results.cells) {
    for (const auto& [metric, value] : cell.overall)
      if (wanted(metric)) rows.push_back({cell.id, "all", metric, value});
    for (const auto& [subgroup, values] : cell.subgroups)
      for (const auto& [metric, value] : values)
        if (wanted(metric)) rows.push_back({cell.id, subgroup, metric, value});
  }
  return rows;
}

std::string results_csv(const std::vector<Row>& rows) {
  std::string text = "experiment,dataset,split,seed,subgroup,metric,value\n";
  for (const auto& r : rows)
    text += csv_field(r.id.experiment) + "," + csv_field(r.id.dataset) + "," + csv_field(r.id.split) + "," +
            std::to_string(r.id.seed) + "," + csv_field(r.subgroup) + "," + csv_field(r.metric) + "," +
            format_double(r.value) + "\n";
  return text;
}

std::string failures_csv(const std::vector<CellFailure>& failures) {
  std::string text = "experiment,dataset,split,seed,error\n";
  for (const auto& f : failures)
    text += csv_field(f.id.experiment) + "," + csv_field(f.id.dataset) + "," + csv_field(f.id.split) + "," +
            std::to_string(f.id.seed) + "," + csv_field(f.error) + "\n";
  return text;
}

std::vector<double> average_ranks(const std::vector<double>& values, Direction direction) {
  // Seed means of equal results can differ in the last bits (summation order).
  auto tied = [](double a, double b) { return std::abs(a - b) <= 1e-12 * std::max(std::abs(a), std::abs(b)); };
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  const bool higher = direction == Direction::higher_is_better;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return higher ? values[a] > values[b] : values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && tied(values[order[j + 1]], values[order[i]])) ++j;
    // Positions i..j (0-based) share ranks i+1..j+1: their mean.
    const double rank = (static_cast<double>(i + 1) + static_cast<double>(j + 1)) / 2.0;
    for (std::size_t k = i; k <= j; ++k) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

Stat mean_sd(const std::vector<double>& values) {
  Stat s;
  s.n = values.size();
  if (values.empty()) {
    s.mean = s.sd = std::numeric_limits<double>::quiet_NaN();
    return s;
  }
  s.mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(s.n);
  if (s.n < 2) {
    s.sd = std::numeric_limits<double>::quiet_NaN();
    return s;
  }
  double ss = 0;
  for (double v : values) ss += (v - s.mean) * (v - s.mean);
  s.sd = std::sqrt(ss / static_cast<double>(s.n - 1));
  return s;
}

std::vector<GroupTable> build_tables(const BenchResults& results, const std::vector<std::string>& experiment_order,
                                     const std::vector<std::string>& headline) {
  std::map<std::pair<std::string, std::string>, std::vector<const CellResult*>> groups;
  for (const auto& cell : results.cells) groups[{cell.id.dataset, cell.id.split}].push_back(&cell);

  std::vector<GroupTable> tables;
  for (const auto& [key, cells] : groups) {
    GroupTable t;
    t.dataset = key.first;
    t.split = key.second;
    std::set<std::string> present_experiments, present_metrics;
    std::map<std::string, std::map<std::string, std::vector<double>>> values;
    for (const auto* cell : cells) {
      present_experiments.insert(cell->id.experiment);
      for (const auto& [metric, value] : cell->overall) {
        present_metrics.insert(metric);
        if (!std::isnan(value)) values[cell->id.experiment][metric].push_back(value);
      }
      for (const auto& [metric, d] : cell->directions)
        if (d != Direction::unknown) t.directions[metric] = d;
    }
    for (const auto& e : experiment_order)
      if (present_experiments.count(e)) t.experiments.push_back(e);
    for (const auto& e : present_experiments)
      if (std::find(t.experiments.begin(), t.experiments.end(), e) == t.experiments.end()) t.experiments.push_back(e);
    for (const auto& m : headline)
      if (present_metrics.count(m)) t.metrics.push_back(m);

    std::map<std::string, std::vector<double>> rank_lists;
    for (const auto& m : t.metrics) {
      std::vector<std::string> names;
      std::vector<double> means;
      for (const auto& e : t.experiments) {
        const Stat s = mean_sd(values[e][m]);
        t.stats[e][m] = s;
        if (s.n > 0) {
          names.push_back(e);
          means.push_back(s.mean);
        }
      }
      const auto d = t.directions.find(m);
      if (d == t.directions.end() || names.empty()) continue;
      const auto ranks = average_ranks(means, d->second);
      for (std::size_t i = 0; i < names.size(); ++i) {
        t.ranks[m][names[i]] = ranks[i];
        rank_lists[names[i]].push_back(ranks[i]);
        if (ranks[i] == *std::min_element(ranks.begin(), ranks.end())) t.best[m].push_back(names[i]);
      }
    }
    for (const auto& e : t.experiments) {
      const auto& r = rank_lists[e];
      if (r.empty()) continue;
      t.mean_ranks.push_back({e, std::accumulate(r.begin(), r.end(), 0.0) / static_cast<double>(r.size())});
    }
    std::stable_sort(t.mean_ranks.begin(), t.mean_ranks.end(),
                     [](const auto& a, const auto& b) { return a.second < b.second; });
    tables.push_back(std::move(t));
  }
  return tables;
}

void add_improvements(std::vector<GroupTable>& tables, const BenchResults& results, const std::string& reference) {
  for (auto& t : tables) {
    t.reference = reference;
    // experiment -> seed -> metric -> overall value
    std::map<std::string, std::map<std::int64_t, const std::map<std::string, double>*>> overall;
    for (const auto& cell : results.cells)
      if (cell.id.dataset == t.dataset && cell.id.split == t.split)
        overall[cell.id.experiment][cell.id.seed] = &cell.overall;
    const auto& ref = overall[reference];
    for (const auto& e : t.experiments) {
      if (e == reference) continue;
      for (const auto& m : t.metrics) {
        const auto d = t.directions.find(m);
        if (d == t.directions.end() || d->second == Direction::unknown) continue;
        const double sign = d->second == Direction::higher_is_better ? 1.0 : -1.0;
        std::vector<double> differences;
        for (const auto& [seed, values] : overall[e]) {
          const auto r = ref.find(seed);
          if (r == ref.end()) continue;
          const auto v = values->find(m), rv = r->second->find(m);
          if (v == values->end() || rv == r->second->end() || std::isnan(v->second) || std::isnan(rv->second))
            continue;
          // Equal results can differ in the last bits (summation order): that is 0.
          const double d = v->second - rv->second;
          const bool equal = std::abs(d) <= 1e-12 * std::max(std::abs(v->second), std::abs(rv->second));
          differences.push_back(equal ? 0.0 : sign * d);
        }
        t.improvement[e][m] = mean_sd(differences);
      }
    }
  }
}

}  // namespace trellis::core::bench
