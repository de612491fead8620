// Error and correlation metrics on pseudobulk: GEARS compute_metrics and
// deeper_analysis, GRAPE, and the Ahlmann-Eltze L2 metric.
//
// Differences from the GEARS reference code, on purpose:
// - GEARS replaces an undefined Pearson (a constant vector) by 0; here it is
//   NaN, so that condition is left out of the averages instead of counted as
//   "no correlation".
// - GEARS scores the mean of per-cell predictions; the predictor here returns
//   the pseudobulk directly, which is the same thing for a mean.
#include <memory>

#include "metrics.hpp"

namespace trellis::metrics {

namespace {

using sdk::OptionSchema;
using sdk::Options;

void add(sdk::Registrar& r, const char* name, const char* description, Genes genes, std::size_t k, Space space,
         Score score) {
  r.add<sdk::Metric>(name, description, OptionSchema{}, [=](const Options&) {
    return std::make_shared<ProfileMetric>(name, genes, k, space, score);
  });
}

}  // namespace

void register_pointwise(sdk::Registrar& r) {
  // GEARS compute_metrics.
  add(r, "mse", "GEARS: mean squared error of the pseudobulk over all genes (lower is better)", Genes::all, 0,
      Space::raw, Score::mse);
  add(r, "pearson", "GEARS: Pearson r of predicted vs observed pseudobulk over all genes (higher is better)",
      Genes::all, 0, Space::raw, Score::pearson);
  add(r, "mse_de", "GEARS: mean squared error over the top-20 DE genes (lower is better)", Genes::top_de, 20,
      Space::raw, Score::mse);
  add(r, "pearson_de", "GEARS: Pearson r over the top-20 DE genes (higher is better)", Genes::top_de, 20,
      Space::raw, Score::pearson);
  // GEARS deeper_analysis / non_dropout_analysis.
  add(r, "pearson_delta", "GEARS: Pearson r of predicted vs observed change from control, all genes (higher is better)",
      Genes::all, 0, Space::delta, Score::pearson);
  add(r, "pearson_delta_de", "GEARS: Pearson r of the change from control over the top-20 DE genes (higher is better)",
      Genes::top_de, 20, Space::delta, Score::pearson);
  add(r, "mse_top20_de_non_dropout",
      "GEARS: mean squared error of the change from control over the top-20 non-dropout DE genes (lower is better)",
      Genes::non_dropout, 20, Space::delta, Score::mse);
  add(r, "pearson_delta_top20_de_non_dropout",
      "GEARS: Pearson r of the change from control over the top-20 non-dropout DE genes (higher is better)",
      Genes::non_dropout, 20, Space::delta, Score::pearson);
  // GRAPE.
  add(r, "rmse", "GRAPE: root mean squared error of the pseudobulk over all genes (lower is better)", Genes::all, 0,
      Space::raw, Score::rmse);
  add(r, "pearson_delta_de40", "GRAPE: Pearson r of the change from control over the top-40 DE genes (higher is better)",
      Genes::top_de, 40, Space::delta, Score::pearson);
  // Systema (Vinas Torne et al. 2025) and the Virtual Cell Challenge.
  add(r, "pearson_delta_pert",
      "Systema: Pearson r of predicted vs observed change from the mean of the training perturbations, all genes "
      "(higher is better)",
      Genes::all, 0, Space::delta_perturbed, Score::pearson);
  add(r, "mae", "Virtual Cell Challenge: mean absolute error of the pseudobulk over all genes (lower is better)",
      Genes::all, 0, Space::raw, Score::mae);
  // Ahlmann-Eltze et al. 2025.
  r.add<sdk::Metric>("l2_top1000_control",
               "Ahlmann-Eltze: L2 distance of predicted vs observed pseudobulk over the genes most expressed in "
               "control (lower is better)",
               OptionSchema{}.add("genes", std::int64_t{1000},
                                  "how many genes, by highest control mean (ties by gene index); all if fewer")
                   .min(1),
               [](const Options& o) {
                 const std::int64_t k = o.get_int("genes");
                 return std::make_shared<ProfileMetric>("l2_top1000_control", Genes::top_control,
                                                        static_cast<std::size_t>(k), Space::raw, Score::l2);
               });
}

}  // namespace trellis::metrics
