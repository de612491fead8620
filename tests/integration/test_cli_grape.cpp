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

TEST_CASE("GRAPE on a simulated screen: predictions for different conditions do not collapse", "[grape-predictor][cli]") {
  // The simulator's perturbations change their targets' expression through a
  // known network, so observed test conditions differ; a model that predicts
  // one profile for all of them has spread_ratio 0. The broadcast signal must
  // keep the predictions at least 10 % as far apart as the observations.
  // (Measured: 0.30 with it; 0.0005 with broadcast = false, the default.)
  TempDir dir;
  const fs::path screen = dir.path() / "screen.h5ad";
  auto r = run_trellis("simulate --cells 2000 --genes 300 --perturbations 24 --combos 12 --seed 2 --out " +
                       screen.string());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const fs::path config = dir.write("grape.toml", "extends = [\"" + std::string(TRELLIS_SOURCE_DIR) +
                                                      "/configs/models/grape_coexpression.toml\"]\n"
                                                      "seed = 1\n"
                                                      "[data]\n"
                                                      "path = \"" + screen.string() + "\"\n"
                                                      "perturbation_type_column = \"perturbation_type\"\n"
                                                      "values = \"counts\"\n"
                                                      "unknown_genes = \"keep\"\n"
                                                      "[split]\n"
                                                      "type = \"simulation\"\n"
                                                      "[train]\n"
                                                      "epochs = 5\n"
                                                      "[model.predictor]\n"
                                                      "broadcast = true\n"
                                                      "[eval]\n"
                                                      "trace = true\n"
                                                      "sample_cells = 0\n");
  const fs::path out = dir.path() / "run";
  r = run_trellis("--threads 2 run " + config.string() + " --out " + out.string());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const auto metrics = nlohmann::json::parse(read_text(out / "metrics.json"));
  const double spread = metrics["overall"]["spread_ratio"].get<double>();
  INFO("spread_ratio " << spread << ", rank " << metrics["overall"]["rank"].get<double>());
  CHECK(spread >= 0.1);
  // [eval] trace: every traced tensor of every test condition, measured against the control condition.
  const std::string trace = read_text(out / "trace.tsv");
  REQUIRE(trace.rfind("condition\ttensor\tsignal\trelative\n", 0) == 0);
  for (const char* tensor : {"\tnode_input\t", "\tgat\t", "\tdecoder_input\t", "\toutput\t"})
    CHECK_THAT(trace, Contains(tensor));
  CHECK_THAT(r.output, Contains("trace: output moves"));
}
