// predictor/scbig (plugins/scbig) on the real Norman19 screen with a small
// network: both stages train through the host's loop, sampling is seeded,
// predict is the mean of sampled cells, save/load reproduces predictions;
// through the CLI: composing gsl/module_clustering with GRAPE from TOML, and
// the failure messages (NaN latent, ODE step limit, missing encoder).
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include <ATen/ATen.h>
#include <torch/torch.h>
#include "catch.hpp"
#include <nlohmann/json.hpp>

#include "plugin_support.hpp"
#include "support.hpp"
#include "trellis/config/config.hpp"
#include "trellis/experiment/config_schema.hpp"
#include "trellis/experiment/prepare.hpp"
#include "trellis/plugin/plugin_host.hpp"
#include "trellis/sdk/predictor.hpp"
#include "trellis/train/trainer.hpp"

namespace fs = std::filesystem;
using namespace trellis;
using Catch::Contains;
using test::read_text;
using test::run_trellis;
using test::TempDir;

namespace {

// A small scBIG over Norman19's 500 genes: 16 modules, one block, latent 8.
const std::string kSmall = R"(
[model.encoders.text]
type = "encoder/learned_embedding"
dim = 16
[model.encoders.go]
type = "encoder/go_terms"
dim = 16
[model.gsl]
type = "gsl/module_clustering"
modules = 16
features = ["text"]
expression_components = 8
[model.predictor]
type = "predictor/scbig"
gene_features = ["text"]
perturbation_features = ["go"]
width = 32
heads = 4
ffn = 64
blocks = 1
module_tokens = 4
latent = 8
velocity_hidden = 64
condition_dim = 16
time_dim = 16
pretrain_epochs = 2
pretrain_batch_size = 64
epochs = 2
batch_size = 64
aux_every = 2
aux_cells = 16
inference_cells = 20
solver = "rk4"
solver_steps = 8
)";

std::string norman19_config(const std::string& extra = "") {
  return "extends = [\"" + std::string(TRELLIS_SOURCE_DIR) + "/configs/data/norman19.toml\"]\nseed = 2\n" + kSmall +
         extra;
}

}  // namespace

TEST_CASE("scbig: trains both stages on Norman19; sampling is seeded; save/load predicts alike", "[scbig]") {
  TRELLIS_REQUIRE_DATA(data);
  TempDir dir;
  const auto& host = test::run_host();
  const toml::table config =
      core::config::load(dir.write("scbig.toml", norman19_config()), core::experiment::path_rule(&host));
  auto prepared = core::experiment::prepare(config, host);
  auto model = std::dynamic_pointer_cast<sdk::NeuralPredictor>(prepared->model.predictor);
  REQUIRE(model);
  sdk::FitContext& c = prepared->context;
  core::train::TrainerOptions o;
  o.seed = 2;
  const auto stages = model->stages();
  o.stage_settings[stages[0].name] = stages[0].defaults;
  o.settings = stages[1].defaults;
  torch::manual_seed(2);
  core::train::Trainer trainer(c, o);
  c.trainer = &trainer;
  model->fit(c);
  const auto& report = trainer.report();
  REQUIRE(report.stages.size() == 2);
  CHECK(report.stages[0].name == "pretrain_autoencoder");
  CHECK(report.stages[1].name == "fit");
  CHECK(report.stages[1].scalars.count("flow") == 1);
  CHECK(report.stages[1].scalars.count("module_correlation") == 1);
  CHECK(report.stages[1].scalars.count("gene_sets") == 1);

  const sdk::Screen& screen = *c.screen;
  std::vector<sdk::Condition> conditions;
  for (std::int64_t i : prepared->test) conditions.push_back(screen.conditions[static_cast<std::size_t>(i)]);
  conditions.resize(3);
  const auto a = model->sample(conditions, 20, 5);
  const auto b = model->sample(conditions, 20, 5);
  const auto other = model->sample(conditions, 20, 6);
  REQUIRE(a.size() == 3);
  CHECK(a[0].sizes() == at::IntArrayRef({20, 500}));
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(at::equal(a[i], b[i]));
    CHECK(!at::equal(a[i], other[i]));
    CHECK(at::isfinite(a[i]).all().item<bool>());
  }
  // The conditions' predicted cells differ (they start from the same control cells).
  CHECK(!at::allclose(a[0], a[1]));
  const at::Tensor predicted = model->predict(conditions);
  CHECK(predicted.sizes() == at::IntArrayRef({3, 500}));

  const fs::path file = dir.path() / "model.pt";
  model->save(file.string());
  auto again = core::experiment::prepare(config, host, prepared->split);
  again->model.predictor->load(file.string(), again->context);
  CHECK(at::allclose(again->model.predictor->predict(conditions), predicted, 1e-5, 1e-6));
}

TEST_CASE("scbig and grape_modules run from TOML; modules.tsv; predict reloads", "[scbig][cli]") {
  TRELLIS_REQUIRE_DATA(data);
  TempDir dir;
  const fs::path config = dir.write("scbig.toml", norman19_config());
  const fs::path out = dir.path() / "run";
  auto r = run_trellis("--threads 2 run " + config.string() + " --out " + out.string());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("stage 'pretrain_autoencoder': epoch 2/2") && Contains("stage 'fit': epoch 2/2") &&
                           Contains("gsl/module_clustering: 16 modules of"));
  const std::string modules = read_text(out / "modules.tsv");
  CHECK(std::count(modules.begin(), modules.end(), '\n') > 500);
  const fs::path csv = dir.path() / "pred.csv";
  r = run_trellis("predict --run " + out.string() + " --perturb KLF1+CEBPE --out " + csv.string());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(read_text(csv).find("KLF1+CEBPE,") != std::string::npos);

  // The clustering in GRAPE's structure slot, as configs/models/grape_modules.toml puts it.
  const fs::path grape = dir.write("grape.toml", "extends = [\"" + std::string(TRELLIS_SOURCE_DIR) +
                                                     "/configs/experiments/grape_modules_norman19.toml\"]\n"
                                                     "[model.predictor]\nhidden = 16\nout_dim = 8\n"
                                                     "[train]\nepochs = 1\n");
  const fs::path grape_out = dir.path() / "grape";
  r = run_trellis("--threads 2 run " + grape.string() + " --out " + grape_out.string());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  // Its learned graph is the module graph: every edge joins two genes of one module.
  std::map<std::string, std::string> module_of;
  {
    std::ifstream in(grape_out / "modules.tsv");
    std::string gene, module, weight;
    std::getline(in, gene);
    while (in >> gene >> module >> weight) module_of[gene] = module;
  }
  std::ifstream graph(grape_out / "learned_graph.tsv");
  std::string line;
  std::getline(graph, line);
  std::int64_t edges = 0;
  bool within = true;
  while (std::getline(graph, line)) {
    std::istringstream fields(line);
    std::string source, target;
    fields >> source >> target;
    within = within && module_of.at(source) == module_of.at(target);
    ++edges;
  }
  CHECK(edges > 0);
  CHECK(within);
}

TEST_CASE("scbig: bad input fails with a clear error", "[scbig][cli]") {
  TRELLIS_REQUIRE_DATA(data);
  TempDir dir;
  const fs::path config = dir.write("scbig.toml", norman19_config());
  auto run = [&](const std::string& name, const std::string& sets) {
    return run_trellis("--threads 2 run " + config.string() + " " + sets + " --out " + (dir.path() / name).string());
  };
  // An encoder the predictor names but the config lacks.
  auto r = run("missing", "--set 'model.predictor.perturbation_features=[\"esm\"]'");
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Contains("needs [model.encoders.esm], which the config does not define (it has: go, text)"));
  CHECK(!fs::exists(dir.path() / "missing"));
  // rk45 limited to 2 steps cannot reach t = 1.
  r = run("ode", "--set model.predictor.solver='\"rk45\"' --set model.predictor.max_solver_steps=2");
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Contains("did not converge within 2 steps: reached t = ") && Contains("with step size"));
  // A learning rate that blows the autoencoder up in its only step: the flow
  // stage finds its latents not finite and names the stage, epoch and conditions.
  r = run("nan", "--set model.predictor.pretrain_learning_rate=1e30 --set model.predictor.pretrain_batch_size=100000 "
                 "--set model.predictor.pretrain_epochs=1");
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Contains("stage 'fit': epoch 1, step 1: NaN in the latent of") && Contains("of conditions "));
}
