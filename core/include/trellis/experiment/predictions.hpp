#pragma once
// Writing predicted mean expression: `.h5ad` (obs = conditions, also as
// column `condition`; var = measured genes) or a wide CSV (one row per
// condition, one column per gene).

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

namespace trellis::core::experiment {

struct PredictionTable {
  std::vector<std::string> conditions;  ///< rows
  std::vector<std::string> genes;       ///< columns
  at::Tensor values;                    ///< [conditions, genes] float
  std::map<std::string, std::vector<std::string>> obs;  ///< extra per-condition text columns (h5ad only)
};

/// Writes `.h5ad` or `.csv` by the file's extension (anything else is an
/// error saying which are supported), atomically.
void write_predictions(const PredictionTable& table, const std::filesystem::path& file);

}  // namespace trellis::core::experiment
