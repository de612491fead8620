#pragma once
// How much of a model's computation still depends on the perturbation:
// for a predictor that is sdk::Traceable, each intermediate tensor of each
// test condition compared with the control condition's ([eval] trace).

#include <filesystem>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

namespace trellis::sdk {
class Traceable;
struct Condition;
}  // namespace trellis::sdk

namespace trellis::core::experiment {

/// One intermediate of one condition.
struct TraceRow {
  std::string condition;
  std::string tensor;
  double signal = 0;    ///< Frobenius norm of (condition's tensor - control's)
  double relative = 0;  ///< signal / norm of the control's tensor (0 when that is 0)
};

/// Traces the control condition and `conditions` in one batch (every row's
/// control input is `control_mean` [G]) and compares every per-row
/// intermediate with the control's. Runs without gradient; the caller sets
/// eval mode.
std::vector<TraceRow> perturbation_trace(sdk::Traceable& model, const sdk::Condition& control,
                                         const std::vector<sdk::Condition>& conditions, const at::Tensor& control_mean);

/// Writes `rows` as trace.tsv in `dir` (condition, tensor, signal,
/// relative) and logs per tensor the mean relative signal over conditions.
void write_trace(const std::vector<TraceRow>& rows, const std::filesystem::path& dir);

}  // namespace trellis::core::experiment
