// Parts every model family can use: pass-through structure learning and a
// single relation type.
#include <memory>

#include <ATen/ATen.h>

#include "trellis/sdk/gsl.hpp"
#include "trellis/sdk/plugin.hpp"
#include "trellis/sdk/relation.hpp"

namespace trellis::common {

namespace {

using namespace trellis::sdk;

/// gsl/none: the prior graph is the graph; nothing to learn, no regulariser.
class NoStructureLearning : public StructureLearner {
 public:
  GslOutput learn(const at::Tensor& /*node_repr*/, const Graph& prior) override { return {prior, at::Tensor()}; }
};

/// relation/single: every edge gets the same relation type.
class SingleRelation : public RelationTyper {
 public:
  explicit SingleRelation(std::string name) : name_(std::move(name)) {}
  Graph assign(const Graph& graph, const GeneTable& /*genes*/) override {
    Graph typed = graph;
    typed.edge_type = at::zeros({graph.num_edges()}, at::kLong);
    typed.relation_names = {name_};
    return typed;
  }

 private:
  std::string name_;
};

void register_components(Registrar& r) {
  r.add<sdk::StructureLearner>("none", "No structure learning: the prior graph passes through unchanged", OptionSchema{},
            [](const Options&) { return std::make_shared<NoStructureLearning>(); });
  r.add<sdk::RelationTyper>("single", "One relation type for every edge", OptionSchema{}.add("name", "all", "name of the relation"),
                 [](const Options& o) {
                   const std::string name = o.get_string("name");
                   if (name.empty()) throw o.invalid("name", "must not be empty");
                   return std::make_shared<SingleRelation>(name);
                 });
}

}  // namespace

}  // namespace trellis::common

TRELLIS_PLUGIN("common", "0.1.0", "Shared parts: pass-through structure learning, single relation type", "MIT",
               trellis::common::register_components)
