#pragma once
// `trellis run`: fit, predict the test conditions, evaluate, write the run
// directory.

#include <filesystem>
#include <string>

#include <toml++/toml.h>

#include "trellis/eval/evaluator.hpp"
#include "trellis/plugin/plugin_host.hpp"

namespace trellis::core::experiment {

struct RunOptions {
  std::filesystem::path run_dir;   ///< exists and is writable
  bool resume = false;             ///< continue training from run_dir/checkpoints/last.pt
  bool progress_bar = false;       ///< a live bar (TTY) rather than periodic log lines
  int threads = 1;                 ///< recorded in run.json
  std::int64_t profile_steps = 0;  ///< training steps to profile (run_dir/step_profile.tsv); 0: none
};

struct RunResult {
  eval::Evaluation evaluation;
  std::vector<std::string> headline;  ///< metrics for the terminal table
  double wall_seconds = 0.0;
};

/// Runs the experiment `config` describes and writes into the run directory:
/// split.toml, preprocessed.bin, model.pt (when the predictor can be saved),
/// checkpoints/, metrics.json, metrics.csv, predictions.h5ad, top_de.csv and
/// run.json (timings, peak RSS, commit). The caller writes config.toml.
RunResult run(const toml::table& config, const plugin::PluginHost& host, const RunOptions& options);

/// Keys (dotted paths) whose values differ between two configs, sorted.
std::vector<std::string> differing_keys(const toml::table& a, const toml::table& b);

}  // namespace trellis::core::experiment
