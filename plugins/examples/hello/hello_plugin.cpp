// An example third-party plugin. This file holds the smallest useful
// component, a relation typer that labels each edge by the sign of its
// weight (activating vs repressing links of a signed regulatory network),
// and the plugin's entry point; a two-stage predictor and an adapter live in
// their own files.
#include <memory>

#include <ATen/ATen.h>
#include <trellis/sdk/plugin.hpp>
#include <trellis/sdk/relation.hpp>

#include "hello.hpp"

namespace hello {

class SignRelation : public trellis::sdk::RelationTyper {
 public:
  SignRelation(std::string positive, std::string negative)
      : positive_(std::move(positive)), negative_(std::move(negative)) {}

  trellis::sdk::Graph assign(const trellis::sdk::Graph& graph, const trellis::sdk::GeneTable&) override {
    trellis::sdk::Graph typed = graph;
    typed.edge_type = (graph.weights_or_ones() < 0).to(at::kLong);  // 0 = positive, 1 = negative
    typed.relation_names = {positive_, negative_};
    return typed;
  }

 private:
  std::string positive_;
  std::string negative_;
};

void register_sign_relation(trellis::sdk::Registrar& registrar) {
  registrar.add<trellis::sdk::RelationTyper>(
      "sign", "Relation type from the sign of the edge weight",
      trellis::sdk::OptionSchema{}
          .add("positive", "activates", "name of the relation for weights >= 0")
          .add("negative", "represses", "name of the relation for weights < 0"),
      [](const trellis::sdk::Options& options) {
        if (options.get_string("positive") == options.get_string("negative"))
          throw options.invalid("negative", "must differ from 'positive'");
        return std::make_shared<SignRelation>(options.get_string("positive"), options.get_string("negative"));
      });
}

void register_components(trellis::sdk::Registrar& registrar) {
  register_sign_relation(registrar);
  register_graph_smoothing(registrar);
  register_latent_shift(registrar);
}

}  // namespace hello

TRELLIS_PLUGIN("hello", "1.0.0", "Example third-party plugin: relation types by edge sign, a two-stage predictor, a graph adapter", "MIT",
               hello::register_components)
