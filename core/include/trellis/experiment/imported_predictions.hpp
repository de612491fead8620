#pragma once
// Predictions made by another tool (or by an earlier `trellis run`), read
// from an `.h5ad` and lined up with a split's test conditions and the
// screen's measured genes, for `trellis eval`.
//
// The file holds one row per condition, named by obs column `condition`
// (spelled as the dataset spells it, e.g. "KLF1+CEBPE"; "CEBPE+KLF1" or
// GEARS's "KLF1+ctrl" name the same conditions), and one column per
// measured gene, named by var names (gene symbols, any order). Values are
// predicted mean expression on the scale of the experiment's preprocessed
// data (log1p of counts normalised per cell, or the data's own
// log-normalised values): the scale of the predictions.h5ad `trellis run`
// writes.

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

#include "trellis/data/conditions.hpp"
#include "trellis/sdk/data.hpp"
#include "trellis/sdk/table.hpp"

namespace trellis::core::experiment {

struct ImportedPredictions {
  at::Tensor values;                ///< [test conditions, measured genes] float, in `test` and `genes` order
  std::vector<std::string> ignored;  ///< row labels left out: other conditions of the data, or none of it
  /// Rows whose label names a test condition in another spelling: (label, the data's name).
  std::vector<std::pair<std::string, std::string>> respelled;
};

/// Lines `data` (read from `file`, which errors name) up with the test
/// conditions `test` (names of conditions of `screen`) and the measured
/// genes `genes` (symbols in column order). Errors name the file and what is
/// wrong, with up to five examples and the count: no obs column
/// `condition`; a condition with two rows; test conditions without a row;
/// duplicate gene names; genes that are not measured genes (with the
/// nearest measured gene); measured genes that are missing; a NaN or
/// infinite value (its condition and gene).
ImportedPredictions align_predictions(const sdk::AnnData& data, const std::string& file,
                                      const std::vector<std::string>& test, const std::vector<std::string>& genes,
                                      const sdk::Screen& screen, const data::ConditionFormat& format);

/// Reads `file` (an `.h5ad`, NaN kept for align_predictions to name) and
/// aligns it.
ImportedPredictions read_predictions(const std::filesystem::path& file, const std::vector<std::string>& test,
                                     const std::vector<std::string>& genes, const sdk::Screen& screen,
                                     const data::ConditionFormat& format);

}  // namespace trellis::core::experiment
