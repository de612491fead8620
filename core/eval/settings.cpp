#include "trellis/eval/settings.hpp"

#include <nlohmann/json.hpp>

#include "trellis/config/config.hpp"
#include "trellis/sdk/options.hpp"

namespace trellis::core::eval {

sdk::OptionSchema eval_schema() {
  const EvalSettings d;
  return sdk::OptionSchema{}
      .add("metrics", d.metrics, "metric components to score (names without metric/); empty = all")
      .add("headline", d.headline, "metrics shown in the summary table, in this order")
      .add("sample_cells", d.sample_cells, "cells sampled per test condition by sampling predictors; 0 = off")
      .min(0)
      .add("trace", d.trace,
           "for a predictor that shows its intermediates (sdk::Traceable): write trace.tsv with, per intermediate "
           "and test condition, how far it moves from the control condition")
      .add_table("network", "task = \"network\": options given to every graph_metric component, e.g. tf_edges = "
                            "false or curve = \"davis_goadrich\" (see `trellis plugins show graph_metric/auprc`)")
      .add_table("supervised", "task = \"network\": also run GENELink's supervised protocol (truth edges split per "
                               "regulator; genelink_* metrics on the test pairs). Keys train (0.2), validation (0.1), "
                               "single_target_train (0.5); an empty table takes the defaults");
}

EvalSettings parse_eval_settings(const toml::table& config) {
  const auto* table = config.get_as<toml::table>("eval");
  const sdk::Options o(eval_schema(), table ? config::to_json(*table) : nlohmann::json::object(), "[eval]");
  EvalSettings s;
  s.metrics = o.get_strings("metrics");
  s.headline = o.get_strings("headline");
  s.sample_cells = o.get_int("sample_cells");
  s.trace = o.get_bool("trace");
  s.network = o.get_table("network");
  if (o.is_set("supervised")) s.supervised = o.get_table("supervised");
  return s;
}

}  // namespace trellis::core::eval
