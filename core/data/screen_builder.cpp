#include "trellis/data/screen_builder.hpp"

#include <unordered_map>

#include <ATen/ATen.h>

#include "trellis/sdk/error.hpp"

namespace trellis::core::data {

std::unique_ptr<ScreenData> build_screen(const sdk::CsrMatrix& expression, const std::vector<CellCondition>& cells,
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
  screen.indptr = at::from_blob(const_cast<std::int64_t*>(expression.indptr.data()), {n + 1}, at::kLong).clone();
  screen.indices = at::from_blob(const_cast<std::int32_t*>(expression.indices.data()), {expression.nnz()}, at::kInt)
                       .to(at::kLong);
  screen.values = at::from_blob(const_cast<float*>(expression.values.data()), {expression.nnz()}, at::kFloat).clone();

  std::unordered_map<std::string, std::int64_t> index;
  screen.cell_condition = at::empty({n}, at::kLong);
  auto* cell_condition = screen.cell_condition.data_ptr<std::int64_t>();
  for (std::int64_t c = 0; c < n; ++c) {
    const CellCondition& cell = cells[static_cast<std::size_t>(c)];
    auto [it, added] = index.emplace(cell.label, static_cast<std::int64_t>(screen.conditions.size()));
    if (added) {
      sdk::Condition condition;
      condition.name = cell.label;
      condition.genes = cell.genes;
      condition.type = cell.type;
      for (const auto& gene : cell.genes) {
        const auto found = data->genes.find(gene);
        if (!found) throw sdk::Error("condition '" + cell.label + "' names gene '" + gene + "', which is not in the gene universe");
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
