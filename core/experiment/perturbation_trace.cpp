#include "trellis/experiment/perturbation_trace.hpp"

#include <map>

#include <ATen/ATen.h>
#include <spdlog/spdlog.h>

#include "trellis/sdk/data.hpp"
#include "trellis/sdk/trace.hpp"
#include "trellis/util/atomic_file.hpp"
#include "trellis/util/csv.hpp"

namespace trellis::core::experiment {

std::vector<TraceRow> perturbation_trace(sdk::Traceable& model, const sdk::Condition& control,
                                         const std::vector<sdk::Condition>& conditions, const at::Tensor& control_mean) {
  std::vector<const sdk::Condition*> rows{&control};
  for (const auto& c : conditions) rows.push_back(&c);
  sdk::Batch batch = sdk::perturbation_batch(rows);
  const auto B = static_cast<std::int64_t>(rows.size());
  batch.control = control_mean.to(at::kFloat).reshape({1, -1}).repeat({B, 1});
  at::NoGradGuard no_grad;
  std::vector<TraceRow> out;
  for (const auto& [name, value] : model.trace(batch)) {
    if (!value.defined() || value.dim() == 0 || value.size(0) != B) continue;  // shared by all rows
    const at::Tensor x = value.detach().to(at::kDouble).reshape({B, -1});
    const double base = x[0].norm().item<double>();
    for (std::int64_t r = 1; r < B; ++r) {
      const double signal = (x[r] - x[0]).norm().item<double>();
      out.push_back({conditions[static_cast<std::size_t>(r - 1)].name, name, signal, base > 0 ? signal / base : 0.0});
    }
  }
  return out;
}

void write_trace(const std::vector<TraceRow>& rows, const std::filesystem::path& dir) {
  std::string text = "condition\ttensor\tsignal\trelative\n";
  std::vector<std::string> order;
  std::map<std::string, std::pair<double, int>> mean;
  for (const auto& r : rows) {
    text += r.condition + "\t" + r.tensor + "\t" + util::format_double(r.signal) + "\t" +
            util::format_double(r.relative) + "\n";
    auto [it, added] = mean.emplace(r.tensor, std::make_pair(0.0, 0));
    if (added) order.push_back(r.tensor);
    it->second.first += r.relative;
    ++it->second.second;
  }
  util::write_file_atomic(dir / "trace.tsv", text);
  for (const auto& t : order)
    spdlog::info("trace: {} moves {:.3g} (relative to the control condition's, mean over {} conditions)", t,
                 mean[t].first / mean[t].second, mean[t].second);
  spdlog::info("trace: per condition in {}", (dir / "trace.tsv").string());
}

}  // namespace trellis::core::experiment
