// encoder/perturbation_atlas on a hand-made atlas (with dim >= the matrix
// rank, F F^T equals the atlas matrix's M M^T, whatever the SVD's signs), on
// the Replogle 2022 K562 atlas over the Norman 2019 universe, and its
// failure messages.
#include <set>

#include <ATen/ATen.h>
#include "catch.hpp"
#include <nlohmann/json.hpp>

#include "plugin_support.hpp"
#include "support.hpp"
#include "trellis/plugin/plugin_host.hpp"
#include "trellis/sdk/encoder.hpp"
#include "trellis/sdk/text_input.hpp"

using namespace trellis;
using Catch::Contains;
using nlohmann::json;

namespace {

std::shared_ptr<sdk::FeatureEncoder> make_atlas(const json& options) {
  return test::build_tree_plugins().create<sdk::FeatureEncoder>("perturbation_atlas", options,
                                                                "[model.encoders.atlas]");
}

/// Knockdown A: G1, G2, X (X is not in the universe); knockdown B: G2, G3.
const char* kAtlas =
    "knockdown\trank\tgene\n"
    "A\t1\tG1\nA\t2\tG2\nA\t3\tX\n"
    "B\t1\tG2\nB\t2\tG3\n";

/// Universe A, G1, G2, G3, Z.
sdk::GeneTable universe() {
  sdk::GeneTable t;
  for (const char* s : {"A", "G1", "G2", "G3", "Z"}) {
    sdk::Gene g;
    g.symbol = s;
    t.add(g);
  }
  return t;
}

at::Tensor gram(const at::Tensor& out) {
  const at::Tensor f = out.narrow(1, 0, out.size(1) - 1).to(at::kDouble);
  return f.matmul(f.t());
}

}  // namespace

TEST_CASE("perturbation_atlas: both sides of a hand-made atlas", "[grape-encoders]") {
  test::TempDir dir;
  const auto file = dir.write("atlas.tsv", kAtlas);
  const sdk::GeneTable genes = universe();
  sdk::BuildContext context;
  context.genes = &genes;
  context.seed = 5;
  // top = 3, weights by rank 1, 2/3, 1/3.
  // target side, columns (A, B): G1 = (1, 0), G2 = (2/3, 1), G3 = (0, 2/3); A and Z respond to nothing.
  const at::Tensor target = make_atlas(json{{"file", file.string()}, {"top", 3}, {"dim", 4}})->encode(context);
  REQUIRE(target.sizes() == std::vector<std::int64_t>{5, 5});
  const at::Tensor t = gram(target);
  CHECK(t[1][1].item<double>() == Approx(1.0));
  CHECK(t[1][2].item<double>() == Approx(2.0 / 3));
  CHECK(t[2][2].item<double>() == Approx(4.0 / 9 + 1));
  CHECK(t[2][3].item<double>() == Approx(2.0 / 3));
  CHECK(t[1][3].item<double>() == Approx(0.0).margin(1e-9));
  CHECK(at::equal(target.select(1, 4), at::tensor({1.f, 0.f, 0.f, 0.f, 1.f})));
  // perturbation side, columns (G1, G2, G3, X): only A was knocked down in the universe: (1, 2/3, 0, 1/3).
  const at::Tensor own =
      make_atlas(json{{"file", file.string()}, {"top", 3}, {"dim", 4}, {"side", "perturbation"}})->encode(context);
  CHECK(gram(own)[0][0].item<double>() == Approx(1 + 4.0 / 9 + 1.0 / 9));
  CHECK(at::equal(own.select(1, 4), at::tensor({0.f, 1.f, 1.f, 1.f, 1.f})));
  // top = 1 keeps only rank 1: G1 = (1, 0), G2 = (0, 1).
  const at::Tensor first = gram(make_atlas(json{{"file", file.string()}, {"top", 1}, {"dim", 4}})->encode(context));
  CHECK(first[1][2].item<double>() == Approx(0.0).margin(1e-9));
  CHECK(first[2][2].item<double>() == Approx(1.0));
}

TEST_CASE("perturbation_atlas: failures name the file and the fix", "[grape-encoders]") {
  test::TempDir dir;
  const sdk::GeneTable genes = universe();
  sdk::BuildContext context;
  context.genes = &genes;
  const auto other = dir.write("other.tsv", "knockdown\trank\tgene\nQ\t1\tR\nQ\t2\tS\n");
  REQUIRE_THROWS_WITH(make_atlas(json{{"file", other.string()}})->encode(context),
                      Contains("the atlas '" + other.string() + "' names none of the 5 universe genes as a "
                               "responding gene (it has R, S; the universe has A, G1, G2, G3, Z, ...)") &&
                          Contains("try side = \"perturbation\""));
  const auto header = dir.write("header.tsv", "perturbation\tgene\n");
  REQUIRE_THROWS_WITH(make_atlas(json{{"file", header.string()}})->encode(context),
                      Contains("must start with the header knockdown<TAB>rank<TAB>gene"));
  const auto rank = dir.write("rank.tsv", "knockdown\trank\tgene\nA\tfirst\tG1\n");
  REQUIRE_THROWS_WITH(make_atlas(json{{"file", rank.string()}})->encode(context),
                      Contains("line 2: rank 'first' is not a positive integer"));
  REQUIRE_THROWS_WITH(make_atlas(json{{"file", (dir.path() / "absent.tsv").string()}})->encode(context),
                      Contains("absent.tsv' does not exist"));
  REQUIRE_THROWS_WITH(make_atlas(json::object()), Contains("option 'file' must name the atlas"));
  REQUIRE_THROWS_WITH(make_atlas(json{{"file", other.string()}, {"side", "both"}}), Contains("'side'"));
}

TEST_CASE("perturbation_atlas: Replogle 2022 K562 over the Norman 2019 universe", "[grape-encoders][data]") {
  TRELLIS_REQUIRE_DATA(data);
  const auto atlas = data / "perturbseq/replogle2022_k562_deg_ranks.tsv.gz";
  sdk::BuildContext context;
  context.genes = test::norman19_annotated(data).data->screen.genes;
  context.seed = 1;
  // Coverage counted here from the file, independently of the encoder.
  std::set<std::string> knockdowns, responders;
  {
    sdk::TextInput in(atlas);
    std::vector<std::string> fields;
    in.next_fields(fields);
    while (in.next_fields(fields)) {
      knockdowns.insert(fields[0]);
      responders.insert(fields[2]);
    }
  }
  REQUIRE(knockdowns.size() == 585);
  std::int64_t responding = 0, knocked_down = 0;
  for (std::int64_t g = 0; g < context.genes->size(); ++g) {
    responding += responders.count(context.genes->at(g).symbol) > 0;
    knocked_down += knockdowns.count(context.genes->at(g).symbol) > 0;
  }
  const at::Tensor target = make_atlas(json{{"file", atlas.string()}})->encode(context);
  const at::Tensor own = make_atlas(json{{"file", atlas.string()}, {"side", "perturbation"}})->encode(context);
  REQUIRE(target.sizes() == std::vector<std::int64_t>{530, 65});
  CHECK(target.select(1, 64).sum().item<double>() == static_cast<double>(530 - responding));
  CHECK(own.select(1, 64).sum().item<double>() == static_cast<double>(530 - knocked_down));
  // Measured: 42 of the 530 genes respond to some knockdown, 1 was knocked
  // down (Norman's 500 highly variable genes are mostly not among the
  // atlas's top DE genes).
  CHECK(responding > 0);
  CHECK(knocked_down > 0);
}
