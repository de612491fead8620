// predictor/gears options: declaration (with GEARS' defaults) and checks.
#include "gears.hpp"
#include "gears_config.hpp"
#include "trellis/sdk/error.hpp"

namespace trellis::gears {

sdk::OptionSchema gears_options() {
  sdk::OptionSchema s;
  s.add("hidden", std::int64_t{64}, "width of every gene and perturbation embedding and hidden layer");
  s.add("go_layers", std::int64_t{1}, "SGConv(K=1) layers propagating perturbation embeddings over the GO graph (0: none)");
  s.add("coexpression_layers", std::int64_t{1},
        "SGConv(K=1) layers propagating positional gene embeddings over the co-expression graph (0: none)");
  s.add("go_graph", "go", "name of the GO-similarity graph under [model.graphs]");
  s.add("coexpression_graph", "coexpression", "name of the co-expression graph under [model.graphs]");
  s.add("direction", "smooth",
        "direction term: \"smooth\" = (tanh(k dy) - tanh(k dpred))^2, trainable; \"reference\" = GEARS' "
        "(sign(dy) - sign(dpred))^2, whose gradient is zero (it only shifts the reported loss)");
  s.add("direction_k", 10.0, "slope k of the smooth direction term tanh(k * (x - control mean))");
  s.add("direction_lambda", 0.1, "weight of the direction term");
  s.add("autofocus_gamma", 2.0, "autofocus exponent: the error term is |pred - y|^(2 + gamma)");
  s.add("uncertainty", false, "add GEARS' uncertainty head (per-gene log-variance) and its loss");
  s.add("uncertainty_reg", 1.0, "weight of the exp(-logvar)-scaled error in the uncertainty loss");
  s.add("positional_weight", 0.2, "weight of the co-expression-propagated positional embedding");
  return s;
}

GearsConfig read_config(const sdk::Options& o) {
  GearsConfig c;
  c.hidden = o.get_int("hidden");
  if (c.hidden < 1) throw o.invalid("hidden", "must be at least 1, got " + std::to_string(c.hidden));
  c.go_layers = o.get_int("go_layers");
  if (c.go_layers < 0) throw o.invalid("go_layers", "must be 0 or more");
  c.coexpression_layers = o.get_int("coexpression_layers");
  if (c.coexpression_layers < 0) throw o.invalid("coexpression_layers", "must be 0 or more");
  c.go_graph = o.get_string("go_graph");
  if (c.go_graph.empty()) throw o.invalid("go_graph", "must name a graph under [model.graphs]");
  c.coexpression_graph = o.get_string("coexpression_graph");
  if (c.coexpression_graph.empty())
    throw o.invalid("coexpression_graph", "must name a graph under [model.graphs]");
  const std::string direction = o.get_string("direction");
  if (direction == "smooth") {
    c.direction = DirectionMode::smooth;
  } else if (direction == "reference") {
    c.direction = DirectionMode::reference;
  } else {
    throw o.invalid("direction", "unknown mode '" + direction + "'; use \"smooth\" or \"reference\"");
  }
  c.direction_k = o.get_double("direction_k");
  if (!(c.direction_k > 0)) throw o.invalid("direction_k", "must be positive");
  c.direction_lambda = o.get_double("direction_lambda");
  if (!(c.direction_lambda >= 0)) throw o.invalid("direction_lambda", "must be zero or positive");
  c.autofocus_gamma = o.get_double("autofocus_gamma");
  if (!(c.autofocus_gamma >= 0)) throw o.invalid("autofocus_gamma", "must be zero or positive");
  c.uncertainty = o.get_bool("uncertainty");
  c.uncertainty_reg = o.get_double("uncertainty_reg");
  if (!(c.uncertainty_reg >= 0)) throw o.invalid("uncertainty_reg", "must be zero or positive");
  c.positional_weight = o.get_double("positional_weight");
  return c;
}

}  // namespace trellis::gears
