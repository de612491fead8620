// `trellis run` with predictor/grape on the real Norman19 data, end to end:
// features from encoder/learned_embedding and encoder/dna_kmer, the GEARS
// GO-similarity graph as the prior, relation/biotype types, gsl/none, two
// training epochs through the host's loop; then `trellis predict --run`
// reloads the saved model for an unseen combination.
#include "catch.hpp"

#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "support.hpp"
#include "trellis/io/h5ad.hpp"

namespace fs = std::filesystem;
using Catch::Contains;
using trellis::test::run_trellis;
using trellis::test::TempDir;
using trellis::test::read_text;

namespace {


}  // namespace

TEST_CASE("trellis run: GRAPE on Norman19 for two epochs, then predict a combination", "[grape-predictor][cli]") {
  TRELLIS_REQUIRE_DATA(data);
  TempDir dir;
  const fs::path config = dir.write("grape.toml", "extends = [\"" + std::string(TRELLIS_SOURCE_DIR) +
                                                      "/configs/data/norman19.toml\"]\n"
                                                      "seed = 3\n"
                                                      "[model.predictor]\n"
                                                      "type = \"predictor/grape\"\n"
                                                      "hidden = 32\n"
                                                      "out_dim = 16\n"
                                                      "[model.encoders.text]\n"
                                                      "type = \"encoder/learned_embedding\"\n"
                                                      "dim = 32\n"
                                                      "[model.encoders.dna]\n"
                                                      "type = \"encoder/dna_kmer\"\n"
                                                      "[model.graphs.prior]\n"
                                                      "type = \"graph/go_similarity\"\n"
                                                      "threshold = 0.1\n"
                                                      "k = 20\n"
                                                      "[model.relations]\n"
                                                      "type = \"relation/biotype\"\n"
                                                      "[model.gsl]\n"
                                                      "type = \"gsl/none\"\n");
  const fs::path out = dir.path() / "run";
  auto r = run_trellis("--threads 2 run " + config.string() + " --set train.epochs=2 --out " + out.string());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("epoch 2/2") && Contains("predictor/grape: ") && Contains("relation(s)"));
  for (const char* f : {"config.toml", "split.toml", "plugins.toml", "metrics.json", "metrics.csv", "predictions.h5ad",
                        "run.json", "run.log", "model.pt", "learned_graph.tsv"})
    CHECK(fs::exists(out / f));
  const auto info = nlohmann::json::parse(read_text(out / "run.json"));
  CHECK(info["predictor"] == "predictor/grape");
  CHECK(info["training"]["epochs_run"] == 2);
  CHECK(info["training"]["settings"]["batch_size"] == 32);
  CHECK(info["training"]["settings"]["weight_decay"].get<double>() == Approx(1e-4));
  CHECK(info["model_saved"] == true);
  const auto metrics = nlohmann::json::parse(read_text(out / "metrics.json"));
  CHECK(std::isfinite(metrics["overall"]["mse_de"].get<double>()));

  const auto predictions = trellis::core::io::read_h5ad(out / "predictions.h5ad");
  CHECK(predictions.var.index.size() == 500);
  REQUIRE(!predictions.X.values.empty());
  bool finite = true;
  for (float v : predictions.X.values) finite = finite && std::isfinite(v) && v >= 0.0f;
  CHECK(finite);

  // gsl/none: the learned graph is the prior, with the same number of edges
  // as the log reported, typed by biotype pair.
  const std::string text = read_text(out / "learned_graph.tsv");
  REQUIRE(text.rfind("source\ttarget\tweight\trelation\n", 0) == 0);
  const auto lines = std::count(text.begin(), text.end(), '\n') - 1;
  CHECK(lines > 0);
  CHECK_THAT(r.output, Contains("graph 'prior': ") && Contains(" nodes, " + std::to_string(lines) + " edges"));
  CHECK(text.find("\tC-C\n") != std::string::npos);

  const fs::path csv = dir.path() / "pred.csv";
  r = run_trellis("predict --run " + out.string() + " --perturb KLF1+CEBPE --out " + csv.string());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(read_text(csv).find("KLF1+CEBPE,") != std::string::npos);
}
