#include "trellis/sdk/missing_rows.hpp"

#include <cstdio>

#include <ATen/ATen.h>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/log.hpp"

namespace trellis::sdk {

at::Tensor with_missing_flag(const at::Tensor& features, const std::vector<bool>& present, const std::string& who,
                             const std::string& modality) {
  const std::int64_t genes = features.size(0);
  if (static_cast<std::int64_t>(present.size()) != genes)
    throw Error(std::to_string(present.size()) + " presence flags for " + std::to_string(genes) +
                     " feature rows");
  at::Tensor missing = at::zeros({genes, 1}, at::kFloat);
  auto flag = missing.accessor<float, 2>();
  std::int64_t covered = 0;
  for (std::int64_t g = 0; g < genes; ++g) {
    if (present[static_cast<std::size_t>(g)])
      ++covered;
    else
      flag[g][0] = 1.0F;
  }
  char percent[32];
  std::snprintf(percent, sizeof percent, "%.1f", genes > 0 ? 100.0 * static_cast<double>(covered) / genes : 0.0);
  log_info(who + ": " + modality + " for " + std::to_string(covered) + " of " + std::to_string(genes) +
                " genes (" + percent + "%)");
  return at::cat({features.to(at::kFloat) * (1.0F - missing), missing}, 1);
}

}  // namespace trellis::sdk
