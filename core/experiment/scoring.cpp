#include "trellis/experiment/scoring.hpp"

#include <algorithm>

#include "trellis/experiment/predictions.hpp"

namespace trellis::core::experiment {

namespace {

// The subgroup(s) of each test condition, for the predictions' obs.
std::vector<std::string> subgroup_column(const sdk::Split& split) {
  std::vector<std::string> out;
  for (const auto& name : split.test) {
    std::string groups;
    for (const auto& [group, members] : split.subgroups)
      if (std::find(members.begin(), members.end(), name) != members.end())
        groups += (groups.empty() ? "" : ";") + group;
    out.push_back(groups);
  }
  return out;
}

}  // namespace

Scored score_and_write(const Prepared& p, const eval::EvaluationInput& input,
                       const std::vector<eval::NamedMetric>& metrics, const std::vector<std::string>& headline,
                       const std::filesystem::path& dir) {
  Scored result;
  result.evaluation = eval::evaluate(input, metrics);
  eval::write_metrics(result.evaluation, dir);
  const std::vector<std::string> genes = measured_gene_names(p.screen());
  eval::write_top_de(input, genes, dir);
  PredictionTable table{p.split.test, genes, input.predicted, {{"subgroup", subgroup_column(p.split)}}};
  write_predictions(table, dir / "predictions.h5ad");
  for (const auto& m : headline)
    if (result.evaluation.overall.count(m)) result.headline.push_back(m);
  return result;
}

}  // namespace trellis::core::experiment
