#pragma once
// Cells of a bench grid: one (experiment, dataset, split, seed) each, with a
// deterministic folder, so cells can run anywhere (another process, another
// machine) and be collected from their folders alone.

#include <cstdint>
#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

namespace trellis::core::bench {

struct BenchConfig;

struct CellId {
  std::string experiment;
  std::string dataset;
  std::string split;
  std::int64_t seed = 0;

  bool operator<(const CellId& o) const {
    return std::tie(dataset, split, experiment, seed) < std::tie(o.dataset, o.split, o.experiment, o.seed);
  }
  bool operator==(const CellId& o) const {
    return experiment == o.experiment && dataset == o.dataset && split == o.split && seed == o.seed;
  }
};

/// "linear norman19/simulation seed 2" (for progress lines and messages).
std::string describe(const CellId& id);

/// `out/cells/<dataset>/<split>/<experiment>/seed<k>`.
std::filesystem::path cell_dir(const std::filesystem::path& out, const CellId& id);

/// Reads a cell's id back from its folder (`.../<dataset>/<split>/<experiment>/seed<k>`);
/// false when the folder does not have that shape.
bool parse_cell_dir(const std::filesystem::path& dir, CellId& id);

/// A cell with the configs it combines: a model's (run by `trellis run`),
/// or a predictions file (scored by `trellis eval`).
struct Cell {
  CellId id;
  std::filesystem::path dataset_config;
  std::filesystem::path experiment_config;  ///< empty for a predictions cell
  std::filesystem::path predictions;        ///< empty for a model cell

  bool scores_predictions() const { return !predictions.empty(); }
};

/// Every cell of the grid: for each dataset, experiments x seeds, then
/// [[predictions]] entries x seeds.
std::vector<Cell> plan_cells(const BenchConfig& config);

/// The cell's `cell.toml`: extends the dataset then the experiment config
/// (only the dataset config for a predictions cell), sets `seed` and
/// `[split] seed` to the cell's seed, then the bench's [set].
std::string cell_toml(const BenchConfig& config, const Cell& cell);

/// A cell is finished when its run wrote `run/metrics.json`.
bool cell_finished(const std::filesystem::path& dir);

}  // namespace trellis::core::bench
