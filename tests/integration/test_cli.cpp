// The `trellis` binary end to end: exit codes, outputs, one-line errors.
#include "catch.hpp"
#include <toml++/toml.h>

#include "support.hpp"
#include "trellis/sdk/version.hpp"

using trellis::test::run_trellis;
using trellis::test::TempDir;
using Catch::Contains;
using Catch::StartsWith;

namespace {
const std::string smoke = std::string(TRELLIS_SOURCE_DIR) + "/configs/experiments/smoke.toml";
}

TEST_CASE("cli: --help works on every subcommand", "[cli]") {
  for (const char* args : {"--help", "plugins --help", "plugins list --help", "plugins info --help", "config --help",
                           "config print --help", "run --help"}) {
    INFO(args);
    const auto r = run_trellis(args);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Contains("Usage:"));
  }
  const auto none = run_trellis("");
  CHECK(none.exit_code != 0);
  CHECK_THAT(none.output, Contains("A subcommand is required"));
}

TEST_CASE("cli: plugins list and info", "[cli]") {
  const auto list = run_trellis("plugins list");
  REQUIRE(list.exit_code == 0);
  CHECK_THAT(list.output, Contains("baselines 0.1.0 [MIT]") && Contains("predictor/no_change  [baselines]") &&
                              Contains("gsl/none  [common]"));
  const auto only = run_trellis("plugins list --kind gsl");
  // gsl/none (common), gsl/grape_khop and gsl/knn_attention (grape), gsl/module_clustering (scbig),
  // and nothing of another kind.
  CHECK_THAT(only.output, Contains("4 components:") && Contains("gsl/none") && Contains("gsl/knn_attention") &&
                              Contains("gsl/module_clustering") && !Contains("predictor/"));
  const auto typo_kind = run_trellis("plugins list --kind gls");
  CHECK(typo_kind.exit_code != 0);
  CHECK_THAT(typo_kind.output, Contains("--kind 'gls' is not a component kind. Did you mean 'gsl'?") &&
                                   Contains("Kinds: adapter, dnalm, encoder, graph, graph_metric, gsl"));
  // Every declared kind is listed, also one that no loaded plugin fills yet.
  CHECK_THAT(list.output, Contains("adapter (Adapter: ") && Contains("network (NetworkInferrer: ") &&
                              Contains("graph_metric (GraphMetric: "));

  const auto info = run_trellis("plugins info relation/single");
  REQUIRE(info.exit_code == 0);
  CHECK_THAT(info.output, Contains("name (a string) = \"all\"") && Contains("name of the relation"));
  // Declared constraints and path options are shown.
  const auto constrained = run_trellis("plugins info graph/coexpression");
  CHECK_THAT(constrained.output, Contains("threshold (a number) = 0.4, at least 0 and less than 1") &&
                                     Contains("k (an integer) = 20, at least 1"));
  const auto paths = run_trellis("plugins info splitter/custom");
  CHECK_THAT(paths.output, Contains("file (a path), required"));
  const auto plugin = run_trellis("plugins info common");
  CHECK_THAT(plugin.output, Contains("Plugin common 0.1.0") && Contains("gsl/none"));
  const auto typo = run_trellis("plugins info predictor/nochange");
  CHECK(typo.exit_code == 1);
  CHECK_THAT(typo.output, StartsWith("trellis: error: unknown predictor component 'predictor/nochange'. Did you mean "
                                     "'predictor/no_change'?"));
}

TEST_CASE("cli: config print resolves extends and --set", "[cli]") {
  const auto r = run_trellis("config print " + smoke + " --set seed=11 --set model.relations.name=edges");
  REQUIRE(r.exit_code == 0);
  const toml::table printed = toml::parse(r.output);
  CHECK(printed["seed"].value<int64_t>() == 11);
  CHECK(printed["model"]["predictor"]["type"].value<std::string>() == "predictor/no_change");
  CHECK(printed["model"]["relations"]["name"].value<std::string>() == "edges");
  const auto bad = run_trellis("config print " + smoke + " --set model.gls.type=x");
  CHECK(bad.exit_code == 1);
  CHECK_THAT(bad.output, Contains("unknown key 'model.gls'. Did you mean 'model.gsl'?"));
}

TEST_CASE("cli: run builds the model and records the run", "[cli]") {
  TempDir dir;
  const auto out = dir.path() / "run";
  const auto r = run_trellis("--threads 1 run " + smoke + " --out " + out.string());
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("Built 3 components:") &&
                           Contains("[model.predictor] predictor/no_change  (plugin baselines 0.1.0)") &&
                           Contains("(1 threads)"));
  const toml::table resolved = toml::parse_file((out / "config.toml").string());
  CHECK(resolved["model"]["gsl"]["type"].value<std::string>() == "gsl/none");
  const toml::table plugins = toml::parse_file((out / "plugins.toml").string());
  // builtin, baselines, common, metrics and every other shipped plugin (graphs, ...)
  CHECK(plugins["plugins"].as_array()->size() >= 4);
}

TEST_CASE("cli: bad configs fail with one line naming the problem, nothing written", "[cli]") {
  TempDir dir;
  const auto out = dir.path() / "run";
  const auto broken = dir.write("broken.toml", "seed = 1\n[model.predictor\n");
  auto r = run_trellis("run " + broken.string() + " --out " + out.string());
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, StartsWith("trellis: error: " + broken.string() + ":2:") && Contains("malformed TOML"));
  CHECK_FALSE(std::filesystem::exists(out));

  const auto unknown = dir.write("unknown.toml", "[model.predictor]\ntype = 'no_change'\nhidden = 3\n");
  r = run_trellis("run " + unknown.string() + " --out " + out.string());
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("[model.predictor] (predictor/no_change): unknown option 'hidden'"));
  CHECK_FALSE(std::filesystem::exists(out));  // the run directory it created is removed again

  const auto wrong_kind = dir.write("kind.toml", "[model.predictor]\ntype = 'gsl/none'\n");
  r = run_trellis("run " + wrong_kind.string() + " --out " + out.string());
  CHECK_THAT(r.output, Contains("type = \"gsl/none\" is a gsl component, but this table needs a predictor component"));

  const auto no_predictor = dir.write("nopred.toml", "[model.gsl]\ntype = 'none'\n");
  r = run_trellis("run " + no_predictor.string() + " --out " + out.string());
  CHECK_THAT(r.output, Contains("the config has no [model.predictor]"));

  const auto misplaced = dir.write("misplaced.toml", "[model.predictor]\ntype = 'no_change'\n[model.encoder.x]\n");
  r = run_trellis("run " + misplaced.string() + " --out " + out.string());
  CHECK_THAT(r.output, Contains("unknown key 'model.encoder'. Did you mean 'model.encoders'?"));

  const auto bad_type = dir.write("badtype.toml", "seed = 1\n[model.relations]\ntype = 'single'\nname = 3\n"
                                                  "[model.predictor]\ntype = 'no_change'\n");
  r = run_trellis("run " + bad_type.string() + " --out " + out.string());
  CHECK_THAT(r.output, Contains("[model.relations] (relation/single): option 'name' must be a string, got 3"));

  // The top level is checked before anything is loaded or written.
  const auto typo = dir.write("typo.toml", "seeed = 3\n[model.predictor]\ntype = 'no_change'\n");
  r = run_trellis("run " + typo.string() + " --out " + out.string());
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, StartsWith("trellis: error: the config's top level: unknown option 'seeed'. Did you mean "
                                  "'seed'?"));
  CHECK_FALSE(std::filesystem::exists(out));
  r = run_trellis("run " + smoke + " --set device=cuda --out " + out.string());
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("the config's top level: option 'device' must be \"cpu\" in this build (its LibTorch "
                                "has no CUDA), got \"cuda\""));
  CHECK_FALSE(std::filesystem::exists(out));
  const auto eval = dir.write("eval.toml", "[eval]\nmetric = ['mse']\n[model.predictor]\ntype = 'no_change'\n");
  r = run_trellis("config print " + eval.string());
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("[eval]: unknown option 'metric'. Did you mean 'metrics'?"));
  const auto split = dir.write("split.toml", "[split]\ntype = 'single'\ntest_fracton = 0.2\n"
                                             "[model.predictor]\ntype = 'no_change'\n");
  r = run_trellis("run " + split.string() + " --out " + out.string());
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("[split] (splitter/single): unknown option 'test_fracton'. Did you mean "
                                "'test_fraction'?"));
  CHECK_FALSE(std::filesystem::exists(out));
  const auto range = dir.write("range.toml", "[model.predictor]\ntype = 'linear'\ndimension = 0\n");
  r = run_trellis("run " + range.string() + " --out " + out.string());
  CHECK_THAT(r.output, Contains("[model.predictor] (predictor/linear): option 'dimension' must be at least 1, got 0"));
}

TEST_CASE("cli: a predictor's requirements are checked before anything is built", "[cli]") {
  TempDir dir;
  const auto config = dir.write(
      "needs.toml", "plugin_path = ['" + trellis::test::test_plugin_dir("test_alpha").string() +
                        "']\n[model.predictor]\ntype = 'alpha_constant'\nlabel = 'x'\nneeds_feature = 'text'\n");
  const auto r = run_trellis("run " + config.string() + " --out " + (dir.path() / "run").string());
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("predictor/alpha_constant needs [model.encoders.text], which the config does not "
                                "define (it has: none)"));
}

TEST_CASE("cli: plugin path, log level and run directory problems", "[cli]") {
  auto r = run_trellis("plugins list", "TRELLIS_PLUGIN_PATH=/nonexistent/plugins");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("plugin path '/nonexistent/plugins' (from TRELLIS_PLUGIN_PATH) does not exist"));

  r = run_trellis("plugins list", "TRELLIS_PLUGIN_PATH=" + trellis::test::test_plugin_dir("test_bad_abi").string());
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("SDK ABI version mismatch: got 999, supported " + std::to_string(TRELLIS_SDK_ABI_VERSION)));

  r = run_trellis("--log-level loud plugins list");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("--log-level 'loud' is not a level"));

  r = run_trellis("run " + smoke + " --out /proc/trellis_cannot_write_here");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("cannot create run directory '/proc/trellis_cannot_write_here'"));

  TempDir dir;
  const auto third_party = run_trellis("--plugin-path " + trellis::test::test_plugin_dir("test_alpha").string() +
                                       " plugins info test_alpha");
  CHECK(third_party.exit_code == 0);
  CHECK_THAT(third_party.output, Contains("Plugin test_alpha 1.2.3") && Contains("label (a string), required"));
}
