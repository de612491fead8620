#include "trellis/train/step_profile.hpp"

#include <algorithm>
#include <chrono>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <spdlog/spdlog.h>
#include <torch/csrc/autograd/profiler_legacy.h>

#include "trellis/util/atomic_file.hpp"
#include "trellis/util/csv.hpp"

namespace trellis::core::train {

namespace {

namespace profiler = torch::autograd::profiler;

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// Adds one thread's chronological push/pop events to `ops`: self time is a
/// range's time minus the time of the ranges it encloses. The profiler
/// counts a product with a sparse operand as if it were dense, so an
/// operation that is or encloses a sparse one counts no FLOPs (its real work,
/// 2 x nonzeros x columns, is small beside the dense products).
void accumulate(const std::vector<profiler::LegacyEvent>& events, std::map<std::string, StepProfile::Op>& ops) {
  struct Open {
    const profiler::LegacyEvent* push;
    double children = 0;
    bool sparse = false;
  };
  std::vector<Open> stack;
  for (const auto& e : events) {
    if (e.kind() == profiler::EventKind::PushRange) {
      const bool inside_sparse = !stack.empty() && stack.back().sparse;
      stack.push_back({&e, 0, inside_sparse || std::string(e.name()).find("sparse") != std::string::npos});
    } else if (e.kind() == profiler::EventKind::PopRange && !stack.empty()) {
      const Open open = stack.back();
      stack.pop_back();
      const double inclusive = open.push->cpuElapsedUs(e) * 1e-6;
      StepProfile::Op& op = ops[open.push->name()];
      op.self_seconds += inclusive - open.children;
      if (!open.sparse) op.flops += static_cast<double>(const_cast<profiler::LegacyEvent*>(open.push)->flops());
      ++op.calls;
      if (!stack.empty()) {
        stack.back().children += inclusive;
        stack.back().sparse = stack.back().sparse || open.sparse;
      }
    }
  }
}

}  // namespace

StepProfiler::~StepProfiler() {
  if (running_) profiler::disableProfilerLegacy();
}

bool StepProfiler::next() {
  if (!active() || done()) return false;
  return seen_++ >= warmup_;
}

void StepProfiler::begin() {
  profiler::enableProfilerLegacy(torch::profiler::impl::ProfilerConfig(
      torch::profiler::impl::ProfilerState::CPU, /*report_input_shapes=*/true, /*profile_memory=*/false,
      /*with_stack=*/false, /*with_flops=*/true));
  running_ = true;
  started_ = now_seconds();
}

void StepProfiler::end() {
  if (!running_) return;
  const double elapsed = now_seconds() - started_;
  const profiler::thread_event_lists lists = profiler::disableProfilerLegacy();
  running_ = false;
  for (const auto& events : lists) accumulate(events, profile_.ops);
  profile_.seconds += elapsed;
  ++profile_.steps;
  ++profiled_;
}

StepProfile StepProfiler::result() {
  profile_.flops = 0;
  for (const auto& [name, op] : profile_.ops) profile_.flops += op.flops;
  if (profile_.peak_flops_per_second == 0) profile_.peak_flops_per_second = matmul_peak_flops_per_second();
  return profile_;
}

double matmul_peak_flops_per_second() {
  at::NoGradGuard no_grad;
  const std::int64_t n = 2048;
  const at::Tensor a = at::randn({n, n}), b = at::randn({n, n});
  at::Tensor c = at::empty({n, n});
  at::mm_out(c, a, b);  // warm-up
  double best = 1e30;
  for (int i = 0; i < 5; ++i) {
    const double start = now_seconds();
    at::mm_out(c, a, b);
    best = std::min(best, now_seconds() - start);
  }
  return 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n) / best;
}

void report_step_profile(const StepProfile& profile, std::int64_t batch_size, const std::filesystem::path& file) {
  if (profile.steps == 0) {
    spdlog::warn("profile: no training step was profiled (the first two are warm-up); train for more steps");
    return;
  }
  const double steps = static_cast<double>(profile.steps);
  const double per_step = profile.seconds / steps, flops = profile.flops / steps;
  const double rate = flops / per_step;
  spdlog::info("profile: {} steps of batch {}: {:.3f} s/step, {:.2f} GFLOP/step (dense operations, from operand shapes), {:.1f} GFLOP/s "
               "= {:.2f} of the matmul peak {:.0f} GFLOP/s measured now with {} threads",
               profile.steps, batch_size, per_step, flops * 1e-9, rate * 1e-9, rate / profile.peak_flops_per_second,
               profile.peak_flops_per_second * 1e-9, at::get_num_threads());
  std::vector<std::pair<std::string, StepProfile::Op>> ops(profile.ops.begin(), profile.ops.end());
  std::sort(ops.begin(), ops.end(), [](const auto& a, const auto& b) { return a.second.self_seconds > b.second.self_seconds; });
  std::string top;
  for (std::size_t i = 0; i < std::min<std::size_t>(6, ops.size()); ++i)
    top += fmt::format("{}{} {:.3g} s", i ? ", " : "", ops[i].first, ops[i].second.self_seconds / steps);
  spdlog::info("profile: most time per step in {}", top);
  std::string tsv = "operation\tcalls_per_step\tself_seconds_per_step\tgflop_per_step\n";
  for (const auto& [name, op] : ops)
    tsv += name + "\t" + util::format_double(static_cast<double>(op.calls) / steps) + "\t" +
           util::format_double(op.self_seconds / steps) + "\t" + util::format_double(op.flops / steps * 1e-9) + "\n";
  tsv += "# steps\t" + std::to_string(profile.steps) + "\n# seconds_per_step\t" + util::format_double(per_step) +
         "\n# gflop_per_step\t" + util::format_double(flops * 1e-9) + "\n# matmul_peak_gflops\t" +
         util::format_double(profile.peak_flops_per_second * 1e-9) + "\n";
  util::write_file_atomic(file, tsv);
  spdlog::info("profile: per operation in {}", file.string());
}

}  // namespace trellis::core::train
