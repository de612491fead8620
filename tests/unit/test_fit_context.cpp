// FitContext's named lookups, the structure output's checks, and named
// structure learners and relation typers in model assembly.
#include <ATen/ATen.h>
#include "catch.hpp"

#include "plugin_support.hpp"
#include "support.hpp"
#include "trellis/model/assembly.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/gsl.hpp"
#include "trellis/sdk/predictor.hpp"
#include "trellis/sdk/relation.hpp"

using Catch::Contains;
namespace sdk = trellis::sdk;

TEST_CASE("FitContext lookups return the named part or list what exists", "[fit-context]") {
  sdk::FitContext c;
  c.features["text"] = at::ones({2, 3});
  c.graphs["go"].name = "go";
  CHECK(c.feature("text").size(1) == 3);
  CHECK(c.graph("go").name == "go");
  CHECK_THROWS_WITH(c.feature("txt"), "feature 'txt' is not built; available: text (did you mean 'text'?); declare "
                                      "it under [model.encoders.txt] and list it in the predictor's requirements");
  CHECK_THROWS_WITH(c.graph("coexpression"), Contains("graph 'coexpression' is not built; available: go") &&
                                                 Contains("[model.graphs.coexpression]"));
  CHECK_THROWS_WITH(c.learner("gsl"), Contains("structure learner 'gsl' is not built; available: none") &&
                                          Contains("[model.gsl]"));
  CHECK_THROWS_WITH(c.typer("by_sign"), Contains("[model.relations.by_sign]"));
  CHECK(c.adapter("genes") == nullptr);  // an empty slot passes embeddings through
}

TEST_CASE("a structure output carries a graph, a gene x module assignment, or both", "[fit-context]") {
  sdk::GslOutput out;
  CHECK_THROWS_WITH(out.validate(3), Contains("neither a graph nor a gene x module assignment"));
  // Rows of a softmax sum to 1: accepted.
  out.assignment = at::softmax(at::tensor({1.f, 2.f, 0.f, 0.f, 3.f, 1.f}).view({3, 2}), 1);
  CHECK_NOTHROW(out.validate(3));
  CHECK(out.has_assignment());
  CHECK_FALSE(out.has_graph());
  CHECK_THROWS_WITH(out.validate(4), Contains("must be a float [4, modules] tensor, got 2-d [3, 2]"));
  // Row 1 sums to 0.9 (by hand): named.
  out.assignment = at::tensor({0.5f, 0.5f, 0.4f, 0.5f, 1.0f, 0.0f}).view({3, 2});
  CHECK_THROWS_WITH(out.validate(3), Contains("row 1 sums to 0.9") && Contains("non-negative and sum to 1"));
  out.assignment = at::tensor({1.5f, -0.5f, 0.5f, 0.5f, 1.0f, 0.0f}).view({3, 2});
  CHECK_THROWS_WITH(out.validate(3), Contains("row 0 sums to 1.0"));  // negative entry
  // A graph alone is checked as a graph.
  sdk::GslOutput graph_only;
  graph_only.graph.num_nodes = 3;
  graph_only.graph.edge_index = at::tensor({0, 5}, at::kLong).view({2, 1});
  CHECK_THROWS_WITH(graph_only.validate(3), Contains("node ids must lie in [0, 3)"));
}

TEST_CASE("named structure learners and relation typers reach the model by name", "[fit-context]") {
  const auto& host = trellis::test::build_tree_plugins();
  const toml::table config = toml::parse(R"(
[model.predictor]
type = "predictor/mean"
[model.gsl.first]
type = "gsl/none"
[model.gsl.second]
type = "gsl/none"
[model.relations.all]
type = "relation/single"
)");
  const auto model = trellis::core::model::assemble(config, host);
  CHECK(model.learners.size() == 2);
  CHECK(model.learners.count("first") == 1);
  CHECK(model.learners.count("second") == 1);
  CHECK(model.gsl == nullptr);  // no single [model.gsl] table
  CHECK(model.typers.count("all") == 1);
  CHECK(model.origin("model.gsl.second").key == "gsl/none");

  const toml::table single = toml::parse("[model.predictor]\ntype = \"predictor/mean\"\n[model.gsl]\ntype = \"gsl/none\"\n");
  const auto one = trellis::core::model::assemble(single, host);
  CHECK(one.gsl != nullptr);
  CHECK(one.learners.at("gsl") == one.gsl);
}
