// Auxiliary losses (see aux_losses.hpp).
#include "aux_losses.hpp"

#include <algorithm>
#include <map>

#include <ATen/ATen.h>

#include "trellis/sdk/data.hpp"
#include "trellis/sdk/transport.hpp"

namespace trellis::scbig {

namespace {

at::Tensor module_correlation(const at::Tensor& cells, const at::Tensor& modules, std::int64_t k) {
  const at::Tensor sums = at::zeros({cells.size(0), k}, cells.options()).index_add(1, modules, cells);
  const at::Tensor counts = at::bincount(modules, {}, k).to(cells.scalar_type()).clamp_min(1);
  const at::Tensor means = sums / counts;
  const at::Tensor centred = means - means.mean(0, true);
  const at::Tensor sd = centred.pow(2).mean(0, true).sqrt().clamp_min(1e-6);
  const at::Tensor z = (centred / sd).clamp(-10, 10);
  return z.t().matmul(z) / static_cast<double>(cells.size(0));
}

}  // namespace

at::Tensor module_correlation_loss(const at::Tensor& predicted, const at::Tensor& observed, const at::Tensor& modules,
                                   std::int64_t k) {
  return (module_correlation(predicted, modules, k) - module_correlation(observed, modules, k)).norm() /
         static_cast<double>(k);
}

at::Tensor gene_set_sinkhorn_loss(const at::Tensor& predicted, const at::Tensor& observed, const at::Tensor& membership,
                                  double epsilon, std::int64_t iterations) {
  const at::Tensor p = predicted.matmul(membership.t()), o = observed.matmul(membership.t());
  const at::Tensor cost = (p.unsqueeze(1) - o.unsqueeze(0)).pow(2).sum(2);
  sdk::SinkhornSettings s;
  s.epsilon = epsilon;
  s.max_iterations = iterations;
  s.tolerance = 0.0;  // a fixed number of iterations, as the reference
  const std::int64_t n = p.size(0), m = o.size(0);
  const at::Tensor plan = sdk::sinkhorn(cost, at::full({n}, 1.0 / n, at::kDouble), at::full({m}, 1.0 / m, at::kDouble), s).plan;
  return (plan * cost).sum() / static_cast<double>(membership.size(0));
}

at::Tensor go_gene_sets(const sdk::GeneTable& genes, const std::vector<std::int64_t>& measured, std::int64_t min_size,
                        std::int64_t max_size, std::int64_t max_sets) {
  std::map<std::string, std::vector<std::int64_t>> members;
  for (std::size_t col = 0; col < measured.size(); ++col)
    for (const auto& term : genes.at(measured[col]).go_terms) members[term].push_back(static_cast<std::int64_t>(col));
  std::vector<std::pair<std::string, std::vector<std::int64_t>>> kept;
  for (auto& [term, cols] : members) {
    const auto size = static_cast<std::int64_t>(cols.size());
    if (size >= min_size && size <= max_size) kept.emplace_back(term, std::move(cols));
  }
  std::stable_sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) { return a.second.size() > b.second.size(); });
  if (static_cast<std::int64_t>(kept.size()) > max_sets) kept.resize(static_cast<std::size_t>(max_sets));
  at::Tensor out = at::zeros({static_cast<std::int64_t>(kept.size()), static_cast<std::int64_t>(measured.size())});
  auto cell = out.accessor<float, 2>();
  for (std::size_t r = 0; r < kept.size(); ++r)
    for (std::int64_t col : kept[r].second)
      cell[static_cast<std::int64_t>(r)][col] = 1.0f / static_cast<float>(kept[r].second.size());
  return out;
}

}  // namespace trellis::scbig
