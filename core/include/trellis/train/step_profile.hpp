#pragma once
// `trellis run --profile N`: where a training step's time goes, and how far
// it is from the machine's limit. N steps (after two warm-up steps) run
// under LibTorch's profiler, which counts each operation's floating-point
// work from its operands' shapes (matrix products, convolutions,
// element-wise products and sums, as torch.profiler's with_flops; sparse
// products are not counted). The
// figures are held against a matrix-product peak measured in the same
// process, so "x of the peak" is the distance to this machine's limit.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace trellis::core::train {

/// What profiled steps cost.
struct StepProfile {
  std::int64_t steps = 0;
  double seconds = 0;                      ///< wall time of the profiled steps (profiler included)
  double flops = 0;                        ///< counted floating-point operations of those steps
  double peak_flops_per_second = 0;        ///< the float32 matrix-product peak measured beside them
  struct Op {
    double self_seconds = 0;               ///< time in the operation itself, not in operations it called
    double flops = 0;
    std::int64_t calls = 0;
  };
  std::map<std::string, Op> ops;           ///< by operation name (aten::mm, ...)
};

/// Records training steps: begin() before a step, end() after it.
class StepProfiler {
 public:
  /// Profiles `steps` steps after skipping `warmup`; 0 steps: does nothing.
  explicit StepProfiler(std::int64_t steps, std::int64_t warmup = 2) : steps_(steps), warmup_(warmup) {}
  /// Stops the profiler if a step threw between begin() and end().
  ~StepProfiler();
  StepProfiler(const StepProfiler&) = delete;
  StepProfiler& operator=(const StepProfiler&) = delete;
  /// Whether the next step is one to profile (call once per step).
  bool next();
  void begin();
  void end();
  bool active() const { return steps_ > 0; }
  bool done() const { return profiled_ >= steps_; }
  /// The profile so far; measures the matmul peak on first call.
  StepProfile result();

 private:
  std::int64_t steps_;
  std::int64_t warmup_;
  std::int64_t seen_ = 0;
  std::int64_t profiled_ = 0;
  bool running_ = false;
  double started_ = 0;
  StepProfile profile_;
};

/// The float32 matrix-product rate of this process's threads (the best of a
/// few 2048 x 2048 products), in FLOP/s.
double matmul_peak_flops_per_second();

/// Logs the profile (per step: seconds, GFLOP, GFLOP/s and its ratio to the
/// peak; the operations taking most time) and writes `file` (TSV: operation,
/// calls, self_seconds, gflop per step) atomically.
void report_step_profile(const StepProfile& profile, std::int64_t batch_size, const std::filesystem::path& file);

}  // namespace trellis::core::train
