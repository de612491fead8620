#include "trellis/preprocess/differential.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <string>

#include "trellis/preprocess/pseudobulk.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/stats.hpp"

namespace trellis::core::preprocess {

DifferentialExpression differential_expression(const sdk::CsrMatrix& X,
                                               const std::vector<std::int64_t>& cell_condition,
                                               std::int64_t n_conditions, std::int64_t control) {
  return differential_expression(X, cell_condition, n_conditions,
                                 std::vector<std::int64_t>(static_cast<std::size_t>(std::max<std::int64_t>(n_conditions, 0)), control));
}

void check_controls(const std::vector<std::int64_t>& control_of, std::int64_t n_conditions, const std::string& step) {
  if (static_cast<std::int64_t>(control_of.size()) != n_conditions)
    throw sdk::Error(step + " needs the control of each of the " + std::to_string(n_conditions) + " conditions, got " +
                     std::to_string(control_of.size()));
  for (const std::int64_t control : control_of)
    if (control < 0 || control >= n_conditions)
      throw sdk::Error(step + " needs a control condition; index " + std::to_string(control) + " is not one of the " +
                       std::to_string(n_conditions) + " conditions");
}

DifferentialExpression differential_expression(const sdk::CsrMatrix& X,
                                               const std::vector<std::int64_t>& cell_condition,
                                               std::int64_t n_conditions, const std::vector<std::int64_t>& control_of) {
  check_controls(control_of, n_conditions, "differential expression");
  const auto groups = cells_by_condition(cell_condition, n_conditions, X.rows);
  // Mean and variance of each distinct control (one per context).
  struct ControlStats {
    std::vector<double> mean, var;
    double n = 0;
  };
  std::map<std::int64_t, ControlStats> controls;
  for (const std::int64_t control : control_of) {
    if (controls.count(control)) continue;
    const auto& control_cells = groups[static_cast<std::size_t>(control)];
    if (control_cells.size() < 2)
      throw sdk::Error("differential expression needs at least 2 control cells, found " +
                       std::to_string(control_cells.size()) + " (control condition " + std::to_string(control) +
                       "); check the control label of the data configuration");
    ControlStats& stats = controls[control];
    std::vector<std::int64_t> nz;
    detail::mean_var(X, control_cells, stats.mean, stats.var, nz);
    stats.n = static_cast<double>(control_cells.size());
  }

  DifferentialExpression de;
  de.scores.resize(static_cast<std::size_t>(n_conditions));
  de.ranking.resize(static_cast<std::size_t>(n_conditions));
  de.significant.assign(static_cast<std::size_t>(n_conditions), 0);
  auto is_control = [&](std::int64_t c) { return control_of[static_cast<std::size_t>(c)] == c; };
  for (std::int64_t c = 0; c < n_conditions; ++c) {
    if (!is_control(c) && groups[static_cast<std::size_t>(c)].size() < 2) de.skipped.push_back(c);
  }
  const auto G = static_cast<std::size_t>(X.cols);
#pragma omp parallel
  {
    std::vector<double> mean_g, var_g, p_values;
    std::vector<std::int64_t> nonzero;
#pragma omp for schedule(dynamic, 1)
    for (std::int64_t c = 0; c < n_conditions; ++c) {
      const auto& cells = groups[static_cast<std::size_t>(c)];
      if (is_control(c) || cells.size() < 2) continue;
      const ControlStats& ctrl = controls.at(control_of[static_cast<std::size_t>(c)]);
      detail::mean_var(X, cells, mean_g, var_g, nonzero);
      const double n_g = static_cast<double>(cells.size());
      auto& scores = de.scores[static_cast<std::size_t>(c)];
      scores.resize(G);
      p_values.resize(G);
      for (std::size_t g = 0; g < G; ++g) {
        scores[g] = static_cast<float>(sdk::welch_t(mean_g[g], var_g[g], n_g, ctrl.mean[g], ctrl.var[g], ctrl.n));
        p_values[g] = sdk::welch_p(mean_g[g], var_g[g], n_g, ctrl.mean[g], ctrl.var[g], ctrl.n);
      }
      de.significant[static_cast<std::size_t>(c)] = sdk::benjamini_hochberg_count(p_values);
      auto& ranking = de.ranking[static_cast<std::size_t>(c)];
      ranking.resize(G);
      std::iota(ranking.begin(), ranking.end(), 0);
      std::stable_sort(ranking.begin(), ranking.end(), [&](std::int32_t a, std::int32_t b) {
        return std::fabs(scores[static_cast<std::size_t>(a)]) > std::fabs(scores[static_cast<std::size_t>(b)]);
      });
    }
  }
  return de;
}

std::vector<std::int32_t> top_de(const std::vector<std::int32_t>& ranking, std::size_t k) {
  return std::vector<std::int32_t>(ranking.begin(), ranking.begin() + static_cast<std::ptrdiff_t>(std::min(k, ranking.size())));
}

std::vector<std::int32_t> non_dropout_top_de(const std::vector<std::int32_t>& ranking,
                                             const std::vector<float>& condition_mean,
                                             const std::vector<float>& control_mean, std::size_t k) {
  std::vector<std::int32_t> out;
  for (const std::int32_t g : ranking) {
    if (out.size() >= k) break;
    const auto i = static_cast<std::size_t>(g);
    if (condition_mean.at(i) != 0.0f || control_mean.at(i) == 0.0f) out.push_back(g);
  }
  return out;
}

}  // namespace trellis::core::preprocess
