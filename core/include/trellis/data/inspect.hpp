#pragma once
// `trellis data inspect` on a dataset before any [data] table is right: what
// the file holds (X's storage and values, every obs / var column), which
// column and label probably mark conditions and controls, and every problem
// found, without stopping at the first.

#include <cstdint>
#include <string>
#include <vector>

#include "trellis/data/column_summary.hpp"
#include "trellis/data/condition_candidates.hpp"
#include "trellis/data/data_config.hpp"
#include "trellis/io/matrix_values.hpp"

namespace trellis::core::plugin {
class PluginHost;
}

namespace trellis::core::data {

struct FileInspection {
  std::string path;
  std::string reader;   ///< e.g. "reader/h5ad"
  bool read = false;    ///< the reader returned the data (else see problems)
  std::string storage;  ///< how X is stored ("CSR, float32 values, int32 indices"); .h5ad only
  std::int64_t cells = 0, genes = 0;
  io::ValueSummary values;
  bool counts = false;  ///< every value a non-negative integer: what [data] values = "auto" takes as counts
  std::string obs_index, var_index;                    ///< index names
  std::vector<std::string> cell_examples, gene_examples;  ///< the first few names
  std::vector<ColumnSummary> obs, var;
  std::int64_t guides = 0;                  ///< guide count columns, when the data has guide counts
  std::vector<ConditionColumn> conditions;  ///< candidate condition columns, best first
  std::string perturbation_type_column;     ///< "" when no column holds perturbation types
  std::vector<std::string> covariate_columns;  ///< text columns with few values, other than the above
  std::vector<std::string> problems;
};

/// Reads the dataset `config` points at (its path, reader and reader
/// options; NaN/Inf are counted, not refused) and inspects it. Never throws
/// for a problem with the data: a file that cannot be read gives read =
/// false and the reason in problems.
FileInspection inspect_file(const DataConfig& config, const plugin::PluginHost& host);

/// Problems with how `config` names conditions in this data: its condition
/// column is absent (and there are no guide counts), or its control label
/// labels no cell; each names the candidates found instead.
std::vector<std::string> condition_problems(const FileInspection& inspection, const DataConfig& config);

/// The multi-line report: file, X, values, obs and var columns, candidate
/// condition columns and control labels (problems are not included).
std::string describe(const FileInspection& inspection);

}  // namespace trellis::core::data
