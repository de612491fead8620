// predictor/gears options: declaration (with GEARS' defaults) and checks.
#include "gears.hpp"
#include "gears_config.hpp"
#include "trellis/sdk/error.hpp"

namespace trellis::gears {

sdk::OptionSchema gears_options() {
  sdk::OptionSchema s;
  s.add("hidden", std::int64_t{64}, "width of every gene and perturbation embedding and hidden layer").min(1);
  s.add("go_layers", std::int64_t{1}, "SGConv(K=1) layers propagating perturbation embeddings over the GO graph (0: none)")
      .min(0);
  s.add("coexpression_layers", std::int64_t{1},
        "SGConv(K=1) layers propagating positional gene embeddings over the co-expression graph (0: none)")
      .min(0);
  s.add("go_graph", "go", "name of the GO-similarity graph under [model.graphs]");
  s.add("coexpression_graph", "coexpression", "name of the co-expression graph under [model.graphs]");
  s.add("direction", "smooth",
        "direction term: \"smooth\" = (tanh(k dy) - tanh(k dpred))^2, trainable; \"reference\" = GEARS' "
        "(sign(dy) - sign(dpred))^2, whose gradient is zero (it only shifts the reported loss)")
      .choices({"smooth", "reference"});
  s.add("direction_k", 10.0, "slope k of the smooth direction term tanh(k * (x - control mean))").greater_than(0);
  s.add("direction_lambda", 0.1, "weight of the direction term").min(0);
  s.add("autofocus_gamma", 2.0, "autofocus exponent: the error term is |pred - y|^(2 + gamma)").min(0);
  s.add("uncertainty", false, "add GEARS' uncertainty head (per-gene log-variance) and its loss");
  s.add("uncertainty_reg", 1.0, "weight of the exp(-logvar)-scaled error in the uncertainty loss").min(0);
  s.add("positional_weight", 0.2, "weight of the co-expression-propagated positional embedding");
  s.add("perturbation_features", "",
        "a feature under [model.encoders] (e.g. encoder/perturbation_atlas) whose learned linear projection is "
        "added to every gene's perturbation embedding, so perturbations share what the feature knows; \"\" = none");
  return s;
}

GearsConfig read_config(const sdk::Options& o) {
  GearsConfig c;
  c.hidden = o.get_int("hidden");
  c.go_layers = o.get_int("go_layers");
  c.coexpression_layers = o.get_int("coexpression_layers");
  c.go_graph = o.get_string("go_graph");
  if (c.go_graph.empty()) throw o.invalid("go_graph", "must name a graph under [model.graphs]");
  c.coexpression_graph = o.get_string("coexpression_graph");
  if (c.coexpression_graph.empty())
    throw o.invalid("coexpression_graph", "must name a graph under [model.graphs]");
  // The schema's choices() admit only these two.
  c.direction = o.get_string("direction") == "smooth" ? DirectionMode::smooth : DirectionMode::reference;
  c.direction_k = o.get_double("direction_k");
  c.direction_lambda = o.get_double("direction_lambda");
  c.autofocus_gamma = o.get_double("autofocus_gamma");
  c.perturbation_features = o.get_string("perturbation_features");
  c.uncertainty = o.get_bool("uncertainty");
  c.uncertainty_reg = o.get_double("uncertainty_reg");
  c.positional_weight = o.get_double("positional_weight");
  return c;
}

}  // namespace trellis::gears
