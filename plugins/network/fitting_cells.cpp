#include <set>

#include <ATen/ATen.h>

#include "network.hpp"
#include "trellis/sdk/data.hpp"
#include "trellis/sdk/error.hpp"

namespace trellis::network {

at::Tensor fitting_cells(const sdk::FitContext& context, std::int64_t minimum, const std::string& component) {
  if (!context.screen) throw sdk::Error(component + ": the fit context has no screen");
  const sdk::Screen& screen = *context.screen;
  const auto conditions = static_cast<std::int64_t>(screen.conditions.size());
  std::vector<bool> allowed(screen.conditions.size(), false);
  for (std::size_t c = 0; c < screen.conditions.size(); ++c) allowed[c] = screen.conditions[c].is_control();
  for (const auto* list : {&context.train_conditions, &context.val_conditions})
    for (const std::int64_t c : *list) {
      if (c < 0 || c >= conditions)
        throw sdk::Error(component + ": condition index " + std::to_string(c) + " is out of range");
      allowed[static_cast<std::size_t>(c)] = true;
    }
  const at::Tensor condition = screen.cell_condition.to(at::kLong).contiguous();
  const auto* cc = condition.data_ptr<std::int64_t>();
  std::vector<std::int64_t> cells;
  for (std::int64_t i = 0; i < condition.size(0); ++i)
    if (allowed[static_cast<std::size_t>(cc[i])]) cells.push_back(i);
  if (static_cast<std::int64_t>(cells.size()) < minimum)
    throw sdk::Error(component + ": needs at least " + std::to_string(minimum) +
                     " control, training or validation cells, found " + std::to_string(cells.size()));
  return at::tensor(cells, at::kLong);
}

std::vector<std::string> measured_symbols(const sdk::FitContext& context, const std::string& component) {
  if (!context.genes) throw sdk::Error(component + ": the fit context has no gene table");
  std::vector<std::string> out;
  for (const std::int64_t g : context.genes->measured()) out.push_back(context.genes->at(g).symbol);
  return out;
}

at::Tensor fitting_expression(const sdk::FitContext& context, std::int64_t minimum, const std::string& component) {
  return context.screen->dense_rows(fitting_cells(context, minimum, component)).contiguous();
}

std::vector<std::int64_t> regulator_columns(const sdk::FitContext& context, const std::vector<std::string>& genes) {
  std::vector<std::int64_t> columns;
  if (context.regulators.empty()) {
    for (std::size_t j = 0; j < genes.size(); ++j) columns.push_back(static_cast<std::int64_t>(j));
    return columns;
  }
  const std::set<std::string> wanted(context.regulators.begin(), context.regulators.end());
  for (std::size_t j = 0; j < genes.size(); ++j)
    if (wanted.count(genes[j])) columns.push_back(static_cast<std::int64_t>(j));
  return columns;
}

}  // namespace trellis::network
