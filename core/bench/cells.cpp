#include "trellis/bench/cells.hpp"

#include <cctype>

#include <toml++/toml.h>

#include "trellis/bench/bench_config.hpp"
#include "trellis/config/config.hpp"

namespace trellis::core::bench {

namespace fs = std::filesystem;

std::string describe(const CellId& id) {
  return id.experiment + " " + id.dataset + "/" + id.split + " seed " + std::to_string(id.seed);
}

fs::path cell_dir(const fs::path& out, const CellId& id) {
  return out / "cells" / id.dataset / id.split / id.experiment / ("seed" + std::to_string(id.seed));
}

bool parse_cell_dir(const fs::path& dir, CellId& id) {
  const std::string leaf = dir.filename().string();
  if (leaf.size() < 5 || leaf.compare(0, 4, "seed") != 0) return false;
  for (std::size_t i = 4; i < leaf.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(leaf[i]))) return false;
  const fs::path experiment = dir.parent_path();
  const fs::path split = experiment.parent_path();
  const fs::path dataset = split.parent_path();
  if (experiment.filename().empty() || split.filename().empty() || dataset.filename().empty()) return false;
  id.seed = std::stoll(leaf.substr(4));
  id.experiment = experiment.filename().string();
  id.split = split.filename().string();
  id.dataset = dataset.filename().string();
  return true;
}

std::vector<Cell> plan_cells(const BenchConfig& config) {
  std::vector<Cell> cells;
  for (const auto& d : config.datasets) {
    for (const auto& e : config.experiments)
      for (const auto seed : config.seeds)
        cells.push_back(Cell{CellId{e.label, d.label, d.split, seed}, d.config, e.config, {}});
    for (const auto& p : config.predictions)
      for (const auto seed : config.seeds)
        cells.push_back(Cell{CellId{p.label, d.label, d.split, seed}, d.config, {}, p.file_for(d.label, seed)});
  }
  return cells;
}

std::string cell_toml(const BenchConfig& config, const Cell& cell) {
  toml::array extends{cell.dataset_config.string()};
  if (!cell.scores_predictions()) extends.push_back(cell.experiment_config.string());
  toml::table table{
      {"extends", extends},
      {"seed", cell.id.seed},
      {"split", toml::table{{"seed", cell.id.seed}}},
  };
  config::merge(table, config.set);
  const std::string scored =
      cell.scores_predictions() ? "# Scores the predictions " + cell.predictions.string() + " (trellis eval)\n" : "";
  return "# Bench '" + config.name + "' cell " + describe(cell.id) + " (written by trellis bench from " +
         config.file.string() + ")\n" + scored + config::to_toml(table) + "\n";
}

bool cell_finished(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "run" / "metrics.json", ec);
}

}  // namespace trellis::core::bench
