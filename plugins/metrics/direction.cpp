// Direction-of-change metrics: the fraction of genes whose predicted change
// from control has the observed change's sign (GEARS deeper_analysis and
// non_dropout_analysis; GRAPE's direction accuracy, "dac").
//
// Signs follow numpy.sign: a zero change is its own sign, so a gene the
// prediction leaves unchanged counts as correct only where the observation
// is unchanged too.
//
// Differences from the GEARS reference code, on purpose:
// - frac_correct_direction_k divides by k there even when fewer than k genes
//   exist; here it divides by the number of genes actually compared
//   (min(k, G)), so the value stays a fraction.
// GRAPE's dac is taken to be this same sign agreement (all genes, top-20 and
// top-40 DE genes).
#include <memory>

#include "metrics.hpp"

namespace trellis::metrics {

namespace {

void add(sdk::Registrar& r, const char* name, const char* description, Genes genes, std::size_t k, Score score) {
  r.add<sdk::Metric>(name, description, sdk::OptionSchema{}, [=](const sdk::Options&) {
    return std::make_shared<ProfileMetric>(name, genes, k, Space::delta, score);
  });
}

}  // namespace

void register_direction(sdk::Registrar& r) {
  add(r, "frac_correct_direction_all",
      "GEARS: fraction of all genes whose predicted change from control has the observed sign (higher is better)",
      Genes::all, 0, Score::same_sign);
  add(r, "frac_correct_direction_20",
      "GEARS: fraction of the top-20 DE genes whose predicted change has the observed sign (higher is better)",
      Genes::top_de, 20, Score::same_sign);
  add(r, "frac_correct_direction_50",
      "GEARS: fraction of the top-50 DE genes whose predicted change has the observed sign (higher is better)",
      Genes::top_de, 50, Score::same_sign);
  add(r, "frac_correct_direction_100",
      "GEARS: fraction of the top-100 DE genes whose predicted change has the observed sign (higher is better)",
      Genes::top_de, 100, Score::same_sign);
  add(r, "frac_correct_direction_200",
      "GEARS: fraction of the top-200 DE genes whose predicted change has the observed sign (higher is better)",
      Genes::top_de, 200, Score::same_sign);
  add(r, "frac_opposite_direction_top20_non_dropout",
      "GEARS: fraction of the top-20 non-dropout DE genes predicted to change opposite to the observation "
      "(up vs down; lower is better)",
      Genes::non_dropout, 20, Score::opposite_sign);
  add(r, "dac", "GRAPE: direction accuracy, fraction of all genes whose predicted change has the observed sign "
      "(higher is better)", Genes::all, 0, Score::same_sign);
  add(r, "dac_de20", "GRAPE: direction accuracy over the top-20 DE genes (higher is better)", Genes::top_de, 20,
      Score::same_sign);
  add(r, "dac_de40", "GRAPE: direction accuracy over the top-40 DE genes (higher is better)", Genes::top_de, 40,
      Score::same_sign);
}

}  // namespace trellis::metrics
