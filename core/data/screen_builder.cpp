#include "trellis/data/screen_builder.hpp"

#include <unordered_map>

#include <ATen/ATen.h>

#include "trellis/sdk/error.hpp"

namespace trellis::core::data {

namespace {

// A tensor over a vector's buffer that owns the vector: no copy of
// screen-sized data.
template <class Vector>
at::Tensor adopt(Vector&& values, at::ScalarType type) {
  auto* owned = new std::decay_t<Vector>(std::move(values));
  const auto n = static_cast<std::int64_t>(owned->size());
  return at::from_blob(owned->data(), {n}, [owned](void*) { delete owned; }, at::TensorOptions().dtype(type));
}

}  // namespace

std::string condition_name(const CellCondition& cell) {
  return cell.context.empty() ? cell.label : cell.label + "@" + cell.context;
}

std::unique_ptr<ScreenData> build_screen(sdk::CsrMatrix expression, const std::vector<CellCondition>& cells,
                                         sdk::GeneTable genes,
                                         std::map<std::string, std::vector<std::string>> covariates) {
  if (static_cast<std::int64_t>(cells.size()) != expression.rows)
    throw sdk::Error("screen: " + std::to_string(cells.size()) + " condition labels for " +
                     std::to_string(expression.rows) + " cells");
  if (static_cast<std::int64_t>(genes.measured().size()) != expression.cols)
    throw sdk::Error("screen: " + std::to_string(genes.measured().size()) + " measured genes for " +
                     std::to_string(expression.cols) + " expression columns");
  auto data = std::make_unique<ScreenData>();
  data->genes = std::move(genes);
  sdk::Screen& screen = data->screen;
  screen.genes = &data->genes;

  const auto n = static_cast<std::int64_t>(cells.size());
  screen.indptr = adopt(std::move(expression.indptr), at::kLong);
  screen.indices = adopt(std::move(expression.indices), at::kInt);
  screen.values = adopt(std::move(expression.values), at::kFloat);

  std::unordered_map<std::string, std::int64_t> index;
  screen.cell_condition = at::empty({n}, at::kLong);
  auto* cell_condition = screen.cell_condition.data_ptr<std::int64_t>();
  for (std::int64_t c = 0; c < n; ++c) {
    const CellCondition& cell = cells[static_cast<std::size_t>(c)];
    auto [it, added] = index.emplace(condition_name(cell), static_cast<std::int64_t>(screen.conditions.size()));
    if (added) {
      sdk::Condition condition;
      condition.name = it->first;
      condition.genes = cell.genes;
      condition.type = cell.type;
      condition.context = cell.context;
      for (const auto& gene : cell.genes) {
        const auto found = data->genes.find(gene);
        if (!found) throw sdk::Error("condition '" + it->first + "' names gene '" + gene + "', which is not in the gene universe");
        condition.gene_indices.push_back(*found);
      }
      screen.conditions.push_back(std::move(condition));
    }
    cell_condition[c] = it->second;
  }
  for (auto& [name, values] : covariates)
    if (static_cast<std::int64_t>(values.size()) != n)
      throw sdk::Error("screen: covariate '" + name + "' has " + std::to_string(values.size()) + " values for " +
                       std::to_string(n) + " cells");
  screen.covariates = std::move(covariates);
  return data;
}

}  // namespace trellis::core::data
