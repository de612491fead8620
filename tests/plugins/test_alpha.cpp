// A well-formed test plugin exercising construction, options, lifetime and
// a component whose constructor throws.
#include <ATen/ATen.h>

#include "trellis/sdk/encoder.hpp"
#include "trellis/sdk/plugin.hpp"
#include "trellis/sdk/predictor.hpp"
#include "trellis/sdk/relation.hpp"

namespace {

using namespace trellis::sdk;

// Types edges by the sign of their weight.
class SignRelation : public RelationTyper {
 public:
  Graph assign(const Graph& graph, const GeneTable&) override {
    Graph typed = graph;
    typed.edge_type = (graph.weights_or_ones() < 0).to(at::kLong);
    typed.relation_names = {"positive", "negative"};
    return typed;
  }
};

class Constant : public Predictor {
 public:
  Constant(double value, std::string needs) : value_(value), needs_(std::move(needs)) {}
  Requirements requirements() const override {
    Requirements r;
    if (!needs_.empty()) r.features.push_back(needs_);
    return r;
  }
  void fit(FitContext& context) override { genes_ = context.screen ? context.screen->num_genes() : 1; }
  at::Tensor predict(const std::vector<Condition>& c) override {
    return at::full({static_cast<std::int64_t>(c.size()), genes_}, value_);
  }

 private:
  double value_;
  std::string needs_;
  std::int64_t genes_ = 1;
};

class Shared : public RelationTyper {
 public:
  Graph assign(const Graph& graph, const GeneTable&) override { return graph; }
};

void register_alpha(Registrar& r) {
  r.add<trellis::sdk::RelationTyper>("alpha_sign", "Edge type from the sign of the weight", OptionSchema{},
                 [](const Options&) { return std::make_shared<SignRelation>(); });
  r.add<trellis::sdk::FeatureEncoder>("alpha_throws", "Its constructor always throws", OptionSchema{},
                [](const Options&) -> std::shared_ptr<FeatureEncoder> { throw std::runtime_error("constructor exploded"); });
  r.add<trellis::sdk::Predictor>("alpha_constant", "Predicts a constant",
                  OptionSchema{}
                      .add("value", 1.0, "the constant")
                      .add("needs_feature", "", "a feature name to require")
                      .require("label", OptionType::string, "a required label"),
                  [](const Options& o) {
                    if (o.get_double("value") < 0) throw o.invalid("value", "must not be negative");
                    return std::make_shared<Constant>(o.get_double("value"), o.get_string("needs_feature"));
                  });
  r.add<trellis::sdk::RelationTyper>("shared_name", "Also registered by test_beta", OptionSchema{},
                 [](const Options&) { return std::make_shared<Shared>(); });
}

}  // namespace

TRELLIS_PLUGIN("test_alpha", "1.2.3", "Test plugin alpha", "MIT", register_alpha)
