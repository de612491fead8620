// `trellis run` with predictor/gears on the real Norman19 data, end to end:
// graphs built by graph/go_similarity and graph/coexpression, two training
// epochs through the host's loop, metrics, and `trellis predict` reloading
// the saved model for a combination.
#include "catch.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "support.hpp"

namespace fs = std::filesystem;
using Catch::Contains;
using trellis::test::run_trellis;
using trellis::test::TempDir;
using trellis::test::read_text;

namespace {


}  // namespace

TEST_CASE("trellis run: GEARS on Norman19 for two epochs, then predict a combination", "[gears][cli]") {
  TRELLIS_REQUIRE_DATA(data);
  TempDir dir;
  const fs::path out = dir.path() / "run";
  const std::string experiment = std::string(TRELLIS_SOURCE_DIR) + "/configs/experiments/gears_norman19.toml";
  auto r = run_trellis("--threads 2 run " + experiment + " --set train.epochs=2 --profile 3 --out " + out.string());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("epoch 2/2"));
  // --profile: three steps after two warm-up steps, against a matmul peak.
  CHECK_THAT(r.output, Contains("profile: 3 steps of batch 32: ") && Contains("of the matmul peak"));
  const std::string profile = read_text(out / "step_profile.tsv");
  CHECK(profile.rfind("operation\tcalls_per_step\tself_seconds_per_step\tgflop_per_step\naten::", 0) == 0);
  CHECK_THAT(profile, Contains("\n# steps\t3\n"));
  const auto info = nlohmann::json::parse(read_text(out / "run.json"));
  CHECK(info["predictor"] == "predictor/gears");
  CHECK(info["training"]["epochs_run"] == 2);
  REQUIRE(info["training"]["train_loss"].size() == 2);
  CHECK(info["training"]["val_score"].size() == 2);
  CHECK(info["training"]["settings"]["batch_size"] == 32);
  CHECK(info["model_saved"] == true);
  const double first = info["training"]["train_loss"][0], second = info["training"]["train_loss"][1];
  CHECK(std::isfinite(first));
  CHECK(second < first);
  const auto metrics = nlohmann::json::parse(read_text(out / "metrics.json"));
  CHECK(std::isfinite(metrics["overall"]["mse_de"].get<double>()));

  // The input graphs are saved as TSVs, one line per edge the log reported.
  for (const std::string name : {"go", "coexpression"}) {
    const std::string text = read_text(out / "graphs" / (name + ".tsv"));
    REQUIRE(text.rfind("source\ttarget\tweight\trelation\n", 0) == 0);
    const auto lines = std::count(text.begin(), text.end(), '\n') - 1;
    CHECK_THAT(r.output, Contains("graph '" + name + "': ") && Contains(" nodes, " + std::to_string(lines) + " edges"));
  }

  const fs::path csv = dir.path() / "pred.csv";
  r = run_trellis("predict --run " + out.string() + " --perturb KLF1+CEBPE --out " + csv.string());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(read_text(csv).find("KLF1+CEBPE,") != std::string::npos);
}

TEST_CASE("trellis run: GEARS learns the change from the mean training perturbation ([train] target)", "[gears][cli]") {
  // The fitting view holds fewer conditions than the screen: the reference is
  // taken from the view's own training conditions.
  TRELLIS_REQUIRE_DATA(data);
  TempDir dir;
  const fs::path out = dir.path() / "run";
  const std::string experiment = std::string(TRELLIS_SOURCE_DIR) + "/configs/experiments/gears_norman19.toml";
  auto r = run_trellis("--threads 2 run " + experiment +
                       " --set train.epochs=1 --set train.target=delta_from_perturbed_mean --out " + out.string());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const auto info = nlohmann::json::parse(read_text(out / "run.json"));
  CHECK(info["training"]["target"] == "delta_from_perturbed_mean");
  const auto metrics = nlohmann::json::parse(read_text(out / "metrics.json"));
  CHECK(std::isfinite(metrics["overall"]["mse"].get<double>()));
  r = run_trellis("--threads 2 run " + experiment + " --set train.target=delta --out " + (dir.path() / "bad").string());
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Contains("[train]: option 'target' must be one of expression, delta_from_control, "
                                "delta_from_perturbed_mean, got \"delta\""));
}

TEST_CASE("trellis run: [eval] trace writes how far GEARS's intermediates move, and refuses a predictor that cannot",
          "[gears][cli]") {
  TRELLIS_REQUIRE_DATA(data);
  TempDir dir;
  const std::string configs = std::string(TRELLIS_SOURCE_DIR) + "/configs/experiments/";
  auto r = run_trellis("--threads 2 run " + configs + "gears_norman19.toml --set train.epochs=1 --set eval.trace=true "
                       "--out " + (dir.path() / "gears").string());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const std::string trace = read_text(dir.path() / "gears" / "trace.tsv");
  for (const char* tensor : {"\tperturbation_effect\t", "\tstate\t", "\tcross_gene\t", "\toutput\t"})
    CHECK_THAT(trace, Contains(tensor));
  r = run_trellis("run " + configs + "mean_norman19.toml --set eval.trace=true --out " + (dir.path() / "mean").string());
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Contains("[eval] trace = true needs a predictor that shows its intermediates (sdk::Traceable); "
                                "predictor/mean does not"));
  CHECK_FALSE(fs::exists(dir.path() / "mean" / "metrics.json"));
}

