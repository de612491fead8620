#pragma once
// Collecting a bench: reads finished cell folders (wherever they ran) into
// a tidy table, and summarises it: mean ± sd over seeds, best per metric,
// average ranks.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include <vector>

#include "trellis/bench/cells.hpp"
#include "trellis/util/csv.hpp"

namespace trellis::core::bench {

enum class Direction { unknown, higher_is_better, lower_is_better };

/// One finished cell: what its run/metrics.json, run/run.json and
/// run/top_de.csv say.
struct CellResult {
  CellId id;
  std::map<std::string, double> overall;                                 ///< metric -> value
  std::map<std::string, std::map<std::string, double>> subgroups;        ///< subgroup -> metric -> value
  std::map<std::string, std::map<std::string, double>> conditions;       ///< condition -> metric -> value
  std::map<std::string, Direction> directions;
  std::optional<double> wall_seconds;
  std::optional<double> peak_rss_bytes;
  std::string git_commit;
  std::string trellis_version;
  /// run/top_de.csv rows: condition -> (observed_delta, predicted_delta) per gene.
  struct DePoint {
    std::string gene;
    double observed_delta = 0;
    double predicted_delta = 0;
  };
  std::map<std::string, std::vector<DePoint>> top_de;
};

/// A cell that failed: its id and the first line of its error.txt plus the
/// last log line.
struct CellFailure {
  CellId id;
  std::string error;
};

struct BenchResults {
  std::vector<CellResult> cells;     ///< sorted by id
  std::vector<CellFailure> failures;  ///< sorted by id
};

/// Reads one cell folder's run/ (throws sdk::Error naming the file when
/// metrics.json is malformed).
CellResult read_cell(const std::filesystem::path& dir, const CellId& id);

/// Reads every cell folder under `out/cells` (finished ones as results,
/// ones with an error.txt as failures). With `only` non-empty, cells not in
/// it are ignored (a bench folder reused with a smaller grid).
BenchResults collect(const std::filesystem::path& out, const std::vector<CellId>& only = {});

/// One row of results.csv.
struct Row {
  CellId id;
  std::string subgroup;  ///< "all" for the overall mean
  std::string metric;
  double value = 0;
};

/// Rows for `all` and every subgroup of every cell, for `metrics` (all when empty).
std::vector<Row> tidy_rows(const BenchResults& results, const std::vector<std::string>& metrics = {});

/// CSV text with columns experiment,dataset,split,seed,subgroup,metric,value
/// (values in shortest round-trip form).
std::string results_csv(const std::vector<Row>& rows);
/// CSV text with columns experiment,dataset,split,seed,error.
std::string failures_csv(const std::vector<CellFailure>& failures);

using util::format_double;

/// Ranks of `values` (1 = best), ties (equal up to a relative 1e-12) get the
/// average of the ranks they span.
std::vector<double> average_ranks(const std::vector<double>& values, Direction direction);

struct Stat {
  double mean = 0;
  double sd = 0;  ///< ddof = 1; NaN when n < 2
  std::size_t n = 0;
};
/// Mean and sample standard deviation.
Stat mean_sd(const std::vector<double>& values);

/// The summary of one dataset x split.
struct GroupTable {
  std::string dataset;
  std::string split;
  std::vector<std::string> experiments;  ///< rows, in bench order
  std::vector<std::string> metrics;      ///< columns: headline metrics present
  std::map<std::string, std::map<std::string, Stat>> stats;  ///< experiment -> metric -> over seeds
  std::map<std::string, Direction> directions;
  std::map<std::string, std::vector<std::string>> best;       ///< metric -> best experiment(s)
  std::map<std::string, std::map<std::string, double>> ranks;  ///< metric -> experiment -> rank
  std::vector<std::pair<std::string, double>> mean_ranks;      ///< best first
  /// With a reference (bench [eval] relative_to): experiment -> metric ->
  /// per-seed improvement over the reference (its value minus the
  /// reference's, signed so + is better), over the seeds both have.
  std::string reference;
  std::map<std::string, std::map<std::string, Stat>> improvement;
};

/// Per dataset x split: the `headline` metrics present, stats over seeds of
/// the overall values, the best per metric (by direction; metrics without a
/// known direction get neither bold nor ranks), ranks of the seed means and
/// the mean rank over metrics. `experiment_order` orders rows (others follow
/// alphabetically).
std::vector<GroupTable> build_tables(const BenchResults& results, const std::vector<std::string>& experiment_order,
                                     const std::vector<std::string>& headline);

/// Fills every table's `reference` and `improvement` (metrics with a known
/// direction; experiments other than the reference that share a seed with it).
void add_improvements(std::vector<GroupTable>& tables, const BenchResults& results, const std::string& reference);

}  // namespace trellis::core::bench
