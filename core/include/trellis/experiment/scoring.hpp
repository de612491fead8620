#pragma once
// Scoring the test conditions' predictions and writing the result files of
// a run directory. `trellis run` calls this with its predictor's output and
// `trellis eval` with predictions read from a file, so both are scored by
// the same evaluator and written by the same writers.

#include <filesystem>
#include <string>
#include <vector>

#include "trellis/eval/evaluator.hpp"
#include "trellis/experiment/prepare.hpp"

namespace trellis::core::experiment {

struct Scored {
  eval::Evaluation evaluation;
  std::vector<std::string> headline;  ///< the wanted headline metrics that were computed
};

/// Evaluates `input` (the test conditions of `p`'s split, in split order,
/// with the split's subgroups) with `metrics` and writes into `dir`:
/// metrics.json, metrics.csv, top_de.csv and predictions.h5ad (obs index and
/// column `condition` = the test conditions, column `subgroup`; var = the
/// measured genes).
Scored score_and_write(const Prepared& p, const eval::EvaluationInput& input,
                       const std::vector<eval::NamedMetric>& metrics, const std::vector<std::string>& headline,
                       const std::filesystem::path& dir);

}  // namespace trellis::core::experiment
