// gsl/module_clustering (plugins/scbig): planted modules recovered (adjusted
// Rand index computed here), the prior graph's pull, exact capacities, the
// module graph and modules.tsv checked against the assignment, seeding, and
// failure messages (too many modules, capacities, a missing encoder).
#include <cmath>
#include <map>
#include <sstream>

#include <ATen/ATen.h>
#include "catch.hpp"
#include <nlohmann/json.hpp>

#include "graph_support.hpp"
#include "plugin_support.hpp"
#include "support.hpp"
#include "trellis/model/assembly.hpp"
#include "trellis/plugin/plugin_host.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/gsl.hpp"
#include "trellis/sdk/predictor.hpp"

using namespace trellis;
using Catch::Contains;
using nlohmann::json;

namespace {

std::shared_ptr<sdk::StructureLearner> make_learner(json options) {
  return test::build_tree_plugins().create<sdk::StructureLearner>("module_clustering", options, "[model.gsl]");
}

// Adjusted Rand index (Hubert & Arabie 1985) from the contingency table.
double adjusted_rand(const at::Tensor& a, const at::Tensor& b) {
  std::map<std::pair<std::int64_t, std::int64_t>, double> cells;
  std::map<std::int64_t, double> rows, cols;
  const std::int64_t n = a.size(0);
  for (std::int64_t i = 0; i < n; ++i) {
    const auto x = a[i].item<std::int64_t>(), y = b[i].item<std::int64_t>();
    cells[{x, y}] += 1;
    rows[x] += 1;
    cols[y] += 1;
  }
  auto pairs = [](double m) { return m * (m - 1) / 2; };
  double index = 0, sum_rows = 0, sum_cols = 0;
  for (const auto& [key, m] : cells) index += pairs(m);
  for (const auto& [key, m] : rows) sum_rows += pairs(m);
  for (const auto& [key, m] : cols) sum_cols += pairs(m);
  const double expected = sum_rows * sum_cols / pairs(static_cast<double>(n));
  return (index - expected) / ((sum_rows + sum_cols) / 2 - expected);
}

// 4 planted modules of 25 genes: gene i belongs to module i % 4.
struct Planted {
  sdk::GeneTable genes = test::numbered_genes(100);
  at::Tensor truth = at::arange(100, at::kLong).remainder(4);
  sdk::FitContext context(double noise, std::uint64_t seed = 1) const {
    at::manual_seed(11);
    const at::Tensor centres = at::randn({4, 16});
    sdk::FitContext c;
    c.genes = &genes;
    c.features["emb"] = centres.index_select(0, truth) + noise * at::randn({100, 16});
    c.seed = seed;
    return c;
  }
  // Cliques over each planted module.
  sdk::Graph cliques() const {
    std::vector<std::int64_t> src, dst;
    for (std::int64_t i = 0; i < 100; ++i)
      for (std::int64_t j = 0; j < 100; ++j)
        if (i != j && i % 4 == j % 4) {
          src.push_back(i);
          dst.push_back(j);
        }
    sdk::Graph g;
    g.name = "prior";
    g.num_nodes = 100;
    g.edge_index = at::stack({at::tensor(src, at::kLong), at::tensor(dst, at::kLong)});
    return g;
  }
};

at::Tensor labels_of(const sdk::GslOutput& out) { return out.assignment.argmax(1); }

}  // namespace

TEST_CASE("module clustering recovers planted modules and balances their sizes", "[scbig-modules]") {
  Planted p;
  auto learner = make_learner({{"modules", 4}, {"features", {"emb"}}});
  sdk::FitContext c = p.context(0.3);
  learner->prepare(c);
  const sdk::GslOutput out = learner->learn({}, {});
  out.validate(100);
  CHECK(adjusted_rand(labels_of(out), p.truth) >= 0.9);
  CHECK(at::bincount(labels_of(out), {}, 4).eq(25).all().item<bool>());

  // 3 modules of 100 genes: floor 33 each, the remainder to the largest initial cluster.
  auto three = make_learner({{"modules", 3}, {"features", {"emb"}}});
  three->prepare(c);
  const at::Tensor sizes = std::get<0>(at::bincount(labels_of(three->learn({}, {})), {}, 3).sort());
  CHECK(sizes.equal(at::tensor({33, 33, 34}, at::kLong)));

  // Same seed, same modules.
  auto again = make_learner({{"modules", 4}, {"features", {"emb"}}});
  again->prepare(c);
  CHECK(labels_of(again->learn({}, {})).equal(labels_of(out)));
}

TEST_CASE("the prior graph pulls a module's neighbours together", "[scbig-modules]") {
  Planted p;
  sdk::FitContext c = p.context(3.0);  // embeddings alone barely separate the modules
  c.graphs["prior"] = p.cliques();
  auto alone = make_learner({{"modules", 4}, {"features", {"emb"}}});
  alone->prepare(c);
  auto with_prior = make_learner({{"modules", 4}, {"features", {"emb"}}, {"prior", "prior"}, {"rounds", 5}});
  with_prior->prepare(c);
  const double ari_alone = adjusted_rand(labels_of(alone->learn({}, {})), p.truth);
  const double ari_prior = adjusted_rand(labels_of(with_prior->learn({}, {})), p.truth);
  INFO("ARI without prior " << ari_alone << ", with " << ari_prior);
  CHECK(ari_alone < 0.6);
  CHECK(ari_prior >= 0.9);
}

TEST_CASE("the module graph links genes within modules by assignment strength; modules.tsv", "[scbig-modules]") {
  Planted p;
  test::TempDir dir;
  sdk::FitContext c = p.context(0.3);
  c.run_dir = dir.path().string();
  auto learner = make_learner({{"modules", 4}, {"features", {"emb"}}, {"max_neighbours", 5}});
  learner->prepare(c);
  const sdk::GslOutput out = learner->learn({}, {});
  const at::Tensor labels = labels_of(out);
  const at::Tensor src = out.graph.edge_index[0], dst = out.graph.edge_index[1];
  CHECK(out.graph.num_edges() == 100 * 5);
  CHECK(labels.index_select(0, src).equal(labels.index_select(0, dst)));
  CHECK(!src.eq(dst).any().item<bool>());
  // modules.tsv: one row per gene with its module (as the assignment) and
  // strength; the graph's weights are the product of the endpoints' strengths.
  const std::string tsv = test::read_text(dir.path() / "modules.tsv");
  REQUIRE(tsv.rfind("gene\tmodule\tweight\n", 0) == 0);
  std::istringstream lines(tsv.substr(tsv.find('\n') + 1));
  std::vector<float> strength(100, -1.0f);
  std::string gene;
  std::int64_t module = 0;
  float weight = 0;
  std::int64_t rows = 0;
  while (lines >> gene >> module >> weight) {
    const std::int64_t i = std::stoll(gene.substr(1));
    CHECK(module == labels[i].item<std::int64_t>());
    CHECK(weight > 0.0f);
    CHECK(weight <= 1.0f);
    strength[static_cast<std::size_t>(i)] = weight;
    ++rows;
  }
  CHECK(rows == 100);
  const at::Tensor w = at::tensor(strength);
  CHECK(at::allclose(out.graph.weight, w.index_select(0, src) * w.index_select(0, dst), 1e-4, 1e-6));
}

TEST_CASE("module clustering: bad input fails with a clear error", "[scbig-modules]") {
  Planted p;
  sdk::FitContext c = p.context(0.3);
  auto too_many = make_learner({{"modules", 200}, {"features", {"emb"}}});
  CHECK_THROWS_WITH(too_many->prepare(c), Contains("modules = 200 is larger than the number of genes (100)"));
  auto small = make_learner({{"modules", 4}, {"features", {"emb"}}, {"capacity", 20}});
  CHECK_THROWS_WITH(small->prepare(c), Contains("capacities cannot be met: 4 modules x capacity 20 hold 80 genes, "
                                                "but there are 100; raise capacity to at least 25"));
  CHECK_THROWS_WITH(make_learner(json::object()), Contains("features") && Contains("expression_components"));
  CHECK_THROWS_WITH(make_learner({{"features", {"emb"}}})->learn({}, {}), Contains("before prepare()"));

  const toml::table config = toml::parse(R"(
[model.predictor]
type = "predictor/mean"
[model.encoders.text]
type = "encoder/learned_embedding"
[model.gsl]
type = "gsl/module_clustering"
features = ["txt"]
)");
  CHECK_THROWS_WITH(core::model::assemble(config, test::build_tree_plugins()),
                    Contains("[model.gsl] needs [model.encoders.txt], which the config does not define (it has: text)"));
}
