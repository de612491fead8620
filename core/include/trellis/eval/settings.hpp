#pragma once
// The [eval] table of an experiment: which metrics, how many cells to
// sample, which metrics the terminal table shows. Shared by `trellis run`
// and `trellis eval` so both score the same way.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "trellis/sdk/options.hpp"

namespace trellis::core::eval {

struct EvalSettings {
  std::vector<std::string> metrics;  ///< empty: every registered metric
  std::int64_t sample_cells = 100;   ///< cells sampled per condition from predictors that sample; 0: none
  bool trace = false;                ///< write trace.tsv: the perturbation signal per traced tensor and condition
  nlohmann::json network = nlohmann::json::object();  ///< options of every graph_metric (task = "network")
  nlohmann::json supervised = nullptr;  ///< [eval.supervised] (task = "network"); null when absent
  std::vector<std::string> headline = {"mse", "pearson_delta", "pearson_delta_de", "mse_de",
                                       "frac_correct_direction_20", "l2_top1000_control", "rank"};
};

/// The keys of [eval], with their defaults and ranges.
sdk::OptionSchema eval_schema();
/// Reads `config`'s [eval] table (defaults when absent), checked against
/// eval_schema(): unknown keys (with a suggestion), wrong types and values out
/// of range are errors naming the key.
EvalSettings parse_eval_settings(const toml::table& config);

}  // namespace trellis::core::eval
