#pragma once
// A bench: a grid of experiments x datasets x split seeds, read from TOML
// (format documented in configs/bench/baselines.toml).

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "trellis/eval/settings.hpp"

namespace trellis::core::bench {

/// A model config and the label it is reported under (its file stem).
struct Experiment {
  std::string label;
  std::filesystem::path config;  ///< absolute
};

/// Predictions made by another tool, scored as a model of the grid (each
/// cell a `trellis eval`): `[[predictions]] name = "gears_python"
/// file = "preds/gears_{dataset}_{seed}.h5ad"`.
struct PredictionsEntry {
  std::string label;  ///< `name`, reported like an experiment label
  std::string file;   ///< absolute; may hold {dataset} and {seed}

  /// The file for one cell: {dataset} -> the dataset label, {seed} -> the seed.
  std::filesystem::path file_for(const std::string& dataset, std::int64_t seed) const;
};

/// A data config, labelled by its [data].name (else its file stem), split as
/// its [split].type says (default "simulation").
struct Dataset {
  std::string label;
  std::string split;
  std::filesystem::path config;  ///< absolute
};

/// The [report] table.
struct ReportOptions {
  std::string metric = "pearson_delta_de";  ///< per-condition distribution plot
  int conditions = 4;                       ///< conditions with a predicted-vs-observed scatter
  /// Columns of the summary tables (those present in the results), also the
  /// metrics the rank aggregation averages over.
  std::vector<std::string> headline = eval::EvalSettings{}.headline;  ///< a run's default headline
};

struct BenchConfig {
  std::filesystem::path file;  ///< absolute
  std::string name;
  std::vector<Experiment> experiments;
  std::vector<PredictionsEntry> predictions;  ///< after the experiments in tables
  std::vector<Dataset> datasets;
  std::vector<std::int64_t> seeds;
  std::vector<std::string> metrics;    ///< empty: all
  std::vector<std::string> baselines;  ///< experiment labels
  toml::table set;                     ///< merged into every cell's config
  ReportOptions report;
  /// [eval] relative_to: the experiment every metric is also reported
  /// against (improvement over it, VCC style); empty: none.
  std::string relative_to;

  bool is_baseline(const std::string& experiment) const;
  /// Experiment labels, then predictions labels: the order of table rows.
  std::vector<std::string> labels() const;
};

/// Reads a bench file, after applying `overrides` (KEY=VALUE, as `--set`
/// does for other configs) to it. Errors name the file and key and say how
/// to fix them: missing config files, empty or repeated seeds, repeated
/// labels, unknown keys (nearest suggested), a baseline that no experiment
/// provides, an [eval] relative_to naming no experiment of the bench, a
/// [[predictions]] entry without name or file, with an unknown
/// placeholder, or whose file is missing for some dataset and seed.
BenchConfig parse_bench_config(const std::filesystem::path& file, const std::vector<std::string>& overrides = {});

}  // namespace trellis::core::bench
