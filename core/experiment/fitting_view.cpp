#include "trellis/experiment/fitting_view.hpp"

#include <ATen/ATen.h>

#include "trellis/sdk/error.hpp"

namespace trellis::core::experiment {

FittingView fitting_view(const sdk::Screen& full, const std::vector<std::int64_t>& train,
                         const std::vector<std::int64_t>& val, const at::Tensor& means) {
  const auto n_conditions = static_cast<std::int64_t>(full.conditions.size());
  // Kept conditions in their original order, so cell and condition order (and
  // with them every seeded draw over them) are as in the full screen.
  std::vector<std::int64_t> new_index(static_cast<std::size_t>(n_conditions), -1);
  std::vector<bool> kept(static_cast<std::size_t>(n_conditions), false);
  for (std::int64_t c = 0; c < n_conditions; ++c)  // every context's control
    if (full.conditions[static_cast<std::size_t>(c)].is_control()) kept[static_cast<std::size_t>(c)] = true;
  for (const auto* set : {&train, &val})
    for (std::int64_t c : *set) {
      if (c < 0 || c >= n_conditions) throw sdk::Error("condition index " + std::to_string(c) + " is out of range");
      kept[static_cast<std::size_t>(c)] = true;
    }
  FittingView view;
  std::vector<std::int64_t> kept_rows;
  for (std::int64_t c = 0; c < n_conditions; ++c) {
    if (!kept[static_cast<std::size_t>(c)]) continue;
    new_index[static_cast<std::size_t>(c)] = static_cast<std::int64_t>(view.screen.conditions.size());
    view.screen.conditions.push_back(full.conditions[static_cast<std::size_t>(c)]);
    kept_rows.push_back(c);
  }
  for (std::int64_t c : train) view.train.push_back(new_index[static_cast<std::size_t>(c)]);
  for (std::int64_t c : val) view.val.push_back(new_index[static_cast<std::size_t>(c)]);
  view.condition_means = means.index_select(0, at::tensor(kept_rows, at::kLong)).contiguous();

  // The kept cells' CSR rows, copied in order.
  const at::Tensor cell_condition = full.cell_condition.to(at::kLong).contiguous();
  const auto* cond = cell_condition.data_ptr<std::int64_t>();
  const auto* indptr = full.indptr.data_ptr<std::int64_t>();
  const auto* indices = full.indices.data_ptr<std::int32_t>();
  const auto* values = full.values.data_ptr<float>();
  std::vector<std::int64_t> cells, new_indptr{0}, new_condition;
  for (std::int64_t cell = 0; cell < full.num_cells(); ++cell) {
    const std::int64_t c = new_index[static_cast<std::size_t>(cond[cell])];
    if (c < 0) continue;
    cells.push_back(cell);
    new_condition.push_back(c);
    new_indptr.push_back(new_indptr.back() + indptr[cell + 1] - indptr[cell]);
  }
  const std::int64_t nnz = new_indptr.back();
  at::Tensor new_indices = at::empty({nnz}, at::kInt), new_values = at::empty({nnz}, at::kFloat);
  auto* out_idx = new_indices.data_ptr<std::int32_t>();
  auto* out_val = new_values.data_ptr<float>();
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const std::int64_t begin = indptr[cells[i]], count = indptr[cells[i] + 1] - begin;
    std::copy(indices + begin, indices + begin + count, out_idx + new_indptr[i]);
    std::copy(values + begin, values + begin + count, out_val + new_indptr[i]);
  }
  view.screen.genes = full.genes;
  view.screen.indptr = at::tensor(new_indptr, at::kLong);
  view.screen.indices = new_indices;
  view.screen.values = new_values;
  view.screen.cell_condition = at::tensor(new_condition, at::kLong).reshape({static_cast<std::int64_t>(cells.size())});
  for (const auto& [name, per_cell] : full.covariates) {
    auto& kept_values = view.screen.covariates[name];
    kept_values.reserve(cells.size());
    for (std::int64_t cell : cells) kept_values.push_back(per_cell.at(static_cast<std::size_t>(cell)));
  }
  return view;
}

}  // namespace trellis::core::experiment
