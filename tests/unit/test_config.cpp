#include "catch.hpp"
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>

#include "support.hpp"
#include "trellis/config/config.hpp"
#include "trellis/eval/settings.hpp"
#include "trellis/experiment/config_schema.hpp"
#include "trellis/plugin/plugin_host.hpp"
#include "trellis/split/splitters.hpp"

using namespace trellis::core::config;
namespace experiment = trellis::core::experiment;
using trellis::test::TempDir;
using Catch::Contains;

TEST_CASE("extends: relative paths, applied in order, tables deep-merged, arrays replaced", "[config]") {
  TempDir dir;
  dir.write("data/base.toml", "[data]\npath = 'screen.h5ad'\nlabels = ['a', 'b', 'c']\nmin_cells = 2\n");
  dir.write("models/m.toml", "[model.predictor]\ntype = 'predictor/gears'\nhidden = 64\nepochs = 20\n");
  dir.write("models/m2.toml", "[model.predictor]\nhidden = 32\n");
  const auto exp = dir.write("experiments/e.toml",
                             "extends = ['../data/base.toml', '../models/m.toml', '../models/m2.toml']\n"
                             "seed = 7\n[data]\nlabels = ['x']\n[model.predictor]\nepochs = 5\n");
  const toml::table c = load(exp, experiment::path_rule(nullptr));
  CHECK(c["seed"].value<int64_t>() == 7);
  CHECK(c["threads"].value<int64_t>() == 0);  // from the defaults
  CHECK(c["model"]["predictor"]["type"].value<std::string>() == "predictor/gears");
  CHECK(c["model"]["predictor"]["hidden"].value<int64_t>() == 32);  // later extends win
  CHECK(c["model"]["predictor"]["epochs"].value<int64_t>() == 5);   // the file itself wins last
  CHECK(c["data"]["min_cells"].value<int64_t>() == 2);              // deep merge keeps siblings
  REQUIRE(c["data"]["labels"].as_array()->size() == 1);             // arrays are replaced
  // A relative path value means the same file after merging.
  CHECK(c["data"]["path"].value<std::string>() == (dir.path() / "data" / "screen.h5ad").string());
  CHECK_FALSE(c.contains("extends"));
}

TEST_CASE("extends: a table naming another component type replaces the inherited one", "[config]") {
  TempDir dir;
  dir.write("grape.toml", "[model.gsl]\ntype = 'gsl/grape_khop'\nk = 20\ndetach = false\n"
                          "[model.predictor]\ntype = 'predictor/grape'\nhidden = 256\n");
  const auto exp = dir.write("ablation.toml", "extends = 'grape.toml'\n[model.gsl]\ntype = 'gsl/none'\n"
                                              "[model.predictor]\ntype = 'predictor/grape'\nhidden = 64\n");
  const toml::table c = load(exp);
  const toml::table& gsl = *c["model"]["gsl"].as_table();
  CHECK(gsl.size() == 1);  // k and detach belonged to gsl/grape_khop
  CHECK(gsl["type"].value<std::string>() == "gsl/none");
  CHECK(c["model"]["predictor"]["hidden"].value<int64_t>() == 64);  // same type: merged
}

TEST_CASE("extends as a single string", "[config]") {
  TempDir dir;
  dir.write("a.toml", "x = 1\n");
  const auto b = dir.write("b.toml", "extends = 'a.toml'\ny = 2\n");
  const toml::table c = load(b);
  CHECK(c["x"].value<int64_t>() == 1);
  CHECK(c["y"].value<int64_t>() == 2);
}

TEST_CASE("an extends cycle is reported with the chain", "[config]") {
  TempDir dir;
  dir.write("a.toml", "extends = 'b.toml'\n");
  dir.write("b.toml", "extends = ['c.toml']\n");
  const auto c = dir.write("c.toml", "extends = 'a.toml'\n");
  REQUIRE_THROWS_WITH(load(dir.path() / "a.toml"),
                      Contains("extends cycle: ") && Contains("a.toml -> ") && Contains("b.toml -> ") &&
                          Contains("c.toml -> " + (dir.path() / "a.toml").string()));
  (void)c;
}

TEST_CASE("a missing extends target names the file and the target", "[config]") {
  TempDir dir;
  const auto a = dir.write("a.toml", "extends = ['missing.toml']\n");
  REQUIRE_THROWS_WITH(load(a), Contains(a.string() + ": extends target '") && Contains("missing.toml' does not exist"));
  REQUIRE_THROWS_WITH(load(dir.path() / "nope.toml"), Contains("nope.toml' does not exist"));
  const auto bad = dir.write("bad.toml", "extends = 3\n");
  REQUIRE_THROWS_WITH(load(bad), Contains("'extends' must be a path or an array of paths"));
}

TEST_CASE("malformed TOML is reported with file, line and column", "[config]") {
  TempDir dir;
  const auto f = dir.write("broken.toml", "seed = 1\n[model\nx = 2\n");
  REQUIRE_THROWS_WITH(load(f), Contains(f.string() + ":2:") && Contains("malformed TOML"));
}

TEST_CASE("config overrides (--set): TOML values, nested keys, bare strings", "[config]") {
  toml::table c = defaults();
  c.insert_or_assign("model", toml::table{{"predictor", toml::table{{"type", "predictor/gears"}, {"hidden", 64}}}});
  apply_override(c, "seed=42");
  apply_override(c, "model.predictor.hidden=128");
  apply_override(c, "model.predictor.layers=[1, 2]");
  apply_override(c, "device=cuda");  // not TOML: taken as the string "cuda"
  apply_override(c, "model.predictor.new_option=0.5");  // component tables accept new options
  CHECK(c["seed"].value<int64_t>() == 42);
  CHECK(c["model"]["predictor"]["hidden"].value<int64_t>() == 128);
  CHECK(c["model"]["predictor"]["layers"].as_array()->size() == 2);
  CHECK(c["device"].value<std::string>() == "cuda");
  CHECK(c["model"]["predictor"]["new_option"].value<double>() == 0.5);
}

TEST_CASE("config override (--set) on an unknown path suggests the nearest key", "[config]") {
  toml::table c = defaults();
  c.insert_or_assign("model", toml::table{{"predictor", toml::table{{"type", "x"}}}});
  REQUIRE_THROWS_WITH(apply_override(c, "sede=1"),
                      Contains("--set sede=1: unknown key 'sede'. Did you mean 'seed'?") && Contains("Keys here:"));
  REQUIRE_THROWS_WITH(apply_override(c, "model.predictr.hidden=1"),
                      Contains("unknown key 'model.predictr'. Did you mean 'model.predictor'?"));
  REQUIRE_THROWS_WITH(apply_override(c, "seed.x=1"), Contains("'seed' is a value, not a table"));
  REQUIRE_THROWS_WITH(apply_override(c, "seed"), Contains("expected KEY=VALUE"));
}

TEST_CASE("config override (--set) may add keys to the option tables of [data]", "[config]") {
  toml::table c = toml::parse(
      "[data]\npath = 'x.h5ad'\n[data.select]\n[data.reader_options]\n[data.guides]\n[data.annotation]\n");
  apply_override(c, "data.select.dataset=norman19");
  apply_override(c, "data.guides.min_count=3");
  apply_override(c, "data.annotation.source=none");
  apply_override(c, "data.reader_options.matrix=m.mtx");
  CHECK(c["data"]["select"]["dataset"].value<std::string>() == "norman19");
  CHECK(c["data"]["guides"]["min_count"].value<int64_t>() == 3);
  CHECK(c["data"]["annotation"]["source"].value<std::string>() == "none");
  CHECK(c["data"]["reader_options"]["matrix"].value<std::string>() == "m.mtx");
  // [data] itself is not open: its keys are known.
  REQUIRE_THROWS_WITH(apply_override(c, "data.contrl_label=NT"),
                      Contains("unknown key 'data.contrl_label'") && Contains("Keys here: annotation, guides, path"));
}

TEST_CASE("config converts to JSON and back to TOML text", "[config]") {
  toml::table c{{"a", 1}, {"b", toml::array{1.5, "x"}}, {"t", toml::table{{"flag", true}}}};
  const nlohmann::json j = to_json(c);
  CHECK(j == nlohmann::json{{"a", 1}, {"b", {1.5, "x"}}, {"t", {{"flag", true}}}});
  CHECK(j["a"].is_number_integer());
  const std::string text = to_toml(c);
  CHECK(text.find("a = 1") != std::string::npos);
  CHECK(text.find("[t]") != std::string::npos);
  TempDir dir;
  write_resolved(c, dir.path());
  CHECK(toml::parse_file((dir.path() / "config.toml").string()) == c);
}

TEST_CASE("path values expand ${VAR} and TRELLIS_DATA_DIR has a default", "[config]") {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "shared" / "data");
  const auto f = dir.write("repo/configs/data/d.toml",
                           "[data]\npath = '${TRELLIS_DATA_DIR}/screen.h5ad'\nname = '${NOT_EXPANDED}'\n");
  const char* saved = std::getenv("TRELLIS_DATA_DIR");
  const std::string saved_value = saved ? saved : "";
  unsetenv("TRELLIS_DATA_DIR");
  const auto rule = experiment::path_rule(nullptr);
  CHECK(load(f, rule)["data"]["path"].value<std::string>() == (dir.path() / "shared/data/screen.h5ad").string());
  CHECK(load(f, rule)["data"]["name"].value<std::string>() == "${NOT_EXPANDED}");  // only paths expand
  CHECK(load(f)["data"]["path"].value<std::string>() == "${TRELLIS_DATA_DIR}/screen.h5ad");  // no rule, no paths
  setenv("TRELLIS_DATA_DIR", "/elsewhere", 1);
  CHECK(load(f, rule)["data"]["path"].value<std::string>() == "/elsewhere/screen.h5ad");
  const auto g = dir.write("g.toml", "[data]\npath = '${TRELLIS_UNSET_VARIABLE_X}/a'\n");
  REQUIRE_THROWS_WITH(load(g, rule),
                      Contains(g.string() + ": 'data.path' = '${TRELLIS_UNSET_VARIABLE_X}/a' uses "
                               "${TRELLIS_UNSET_VARIABLE_X}, which is not set; set the environment variable "
                               "TRELLIS_UNSET_VARIABLE_X or write the path out"));
  if (saved) setenv("TRELLIS_DATA_DIR", saved_value.c_str(), 1); else unsetenv("TRELLIS_DATA_DIR");
}

namespace {

// A host with the built-in splitters: splitter/custom declares `file` as a path.
const trellis::core::plugin::PluginHost& splitter_host() {
  static const auto host = [] {
    auto h = std::make_unique<trellis::core::plugin::PluginHost>();
    h->add_builtin("builtin", "built-in splitters", &trellis::core::split::register_splitters);
    return h;
  }();
  return *host;
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("a component's path option is resolved from its declaration, not its name", "[config]") {
  TempDir dir;
  setenv("TRELLIS_TEST_SPLIT_DIR", (dir.path() / "shared_splits").string().c_str(), 1);
  // splitter/custom's `file` is declared a path: relative to the file that
  // sets it (base/), even when an experiment in another folder extends it.
  dir.write("base/split.toml", "[split]\ntype = 'custom'\nfile = 'splits/s.toml'\n"
                               "[model.predictor]\ntype = 'predictor/unknown'\nweights_file = 'w.pt'\n");
  const auto exp = dir.write("experiments/e.toml", "extends = '../base/split.toml'\nseed = 2\n");
  const auto rule = experiment::path_rule(&splitter_host());
  const toml::table c = load(exp, rule);
  CHECK(c["split"]["file"].value<std::string>() == (dir.path() / "base" / "splits" / "s.toml").string());
  // A key that merely looks like a path is left alone: no component declares it.
  CHECK(c["model"]["predictor"]["weights_file"].value<std::string>() == "w.pt");

  // ${VAR} expands in a path option; an experiment that overrides only the
  // file (without `type`) still resolves it, from its own folder.
  const auto env = dir.write("experiments/env.toml", "extends = '../base/split.toml'\n[split]\n"
                                                     "file = '${TRELLIS_TEST_SPLIT_DIR}/s.toml'\n");
  CHECK(load(env, rule)["split"]["file"].value<std::string>() == (dir.path() / "shared_splits" / "s.toml").string());
  const auto own = dir.write("experiments/own.toml", "extends = '../base/split.toml'\n[split]\nfile = 'mine.toml'\n");
  CHECK(load(own, rule)["split"]["file"].value<std::string>() == (dir.path() / "experiments" / "mine.toml").string());

  // An unset variable names the file, the key and the variable.
  const auto unset = dir.write("experiments/unset.toml", "[split]\ntype = 'custom'\n"
                                                         "file = '${TRELLIS_TEST_UNSET_SPLITS}/s.toml'\n");
  CHECK(message_of([&] { load(unset, rule); }) ==
        unset.string() + ": 'split.file' = '${TRELLIS_TEST_UNSET_SPLITS}/s.toml' uses ${TRELLIS_TEST_UNSET_SPLITS}, "
                         "which is not set; set the environment variable TRELLIS_TEST_UNSET_SPLITS or write the path out");

  // --set: a path is relative to the current folder.
  toml::table overridden = load(exp, rule);
  apply_override(overridden, "split.file=other.toml", rule);
  CHECK(overridden["split"]["file"].value<std::string>() == (std::filesystem::current_path() / "other.toml").string());
  unsetenv("TRELLIS_TEST_SPLIT_DIR");
}

TEST_CASE("top-level keys are checked: a typo suggests the key, device must be one this build has", "[config]") {
  toml::table c = defaults();
  CHECK_NOTHROW(experiment::check_top_level(c));
  c.insert_or_assign("seeed", 3);
  CHECK(message_of([&] { experiment::check_top_level(c); }) ==
        "the config's top level: unknown option 'seeed'. Did you mean 'seed'? Known options: seed, threads, task, device, "
        "plugin_path, data, model, train, eval, split.");
  c.erase("seeed");
  c.insert_or_assign("threads", -1);
  CHECK(message_of([&] { experiment::check_top_level(c); }) ==
        "the config's top level: option 'threads' must be at least 0, got -1");
  c.insert_or_assign("threads", 0);
  c.insert_or_assign("data", 3);
  CHECK(message_of([&] { experiment::check_top_level(c); }) == "the config's top level: option 'data' must be a table, got 3");
  c.insert_or_assign("data", toml::table{});

  // Debian's LibTorch has no CUDA: "cpu" is the only device.
  REQUIRE(experiment::supported_devices() == std::vector<std::string>{"cpu"});
  c.insert_or_assign("device", "cuda");
  CHECK(message_of([&] { experiment::check_top_level(c); }) ==
        "the config's top level: option 'device' must be \"cpu\" in this build (its LibTorch has no CUDA), got \"cuda\"");
  c.insert_or_assign("device", "cpu");
  CHECK_NOTHROW(experiment::check_top_level(c));
}

TEST_CASE("[eval] and [split] keys are checked with the nearest key suggested", "[config]") {
  toml::table c = defaults();
  c.insert_or_assign("eval", toml::table{{"metric", toml::array{"mse"}}});
  CHECK(message_of([&] { trellis::core::eval::parse_eval_settings(c); }) ==
        "[eval]: unknown option 'metric'. Did you mean 'metrics'? Known options: metrics, headline, sample_cells, trace, network, supervised.");
  c.insert_or_assign("eval", toml::table{{"sample_cells", -1}});
  CHECK(message_of([&] { trellis::core::eval::parse_eval_settings(c); }) == "[eval]: option 'sample_cells' must be at least 0, got -1");
  c.insert_or_assign("eval", toml::table{{"metrics", toml::array{"mse"}}, {"sample_cells", 7}});
  const auto eval = trellis::core::eval::parse_eval_settings(c);
  CHECK(eval.metrics == std::vector<std::string>{"mse"});
  CHECK(eval.sample_cells == 7);
  CHECK(eval.headline.size() == 7);  // the default

  const auto& host = splitter_host();
  c.insert_or_assign("seed", 5);
  c.insert_or_assign("split", toml::table{{"type", "simulation"}, {"train_gene_fraktion", 0.5}});
  CHECK_THAT(message_of([&] { experiment::split_settings(c, host); }),
             Contains("[split] (splitter/simulation): unknown option 'train_gene_fraktion'. Did you mean "
                      "'train_gene_fraction'? Known options: type, seed, train_gene_fraction,"));
  c.insert_or_assign("split", toml::table{{"type", "simulation"}, {"sed", 1}});
  CHECK_THAT(message_of([&] { experiment::split_settings(c, host); }),
             Contains("unknown option 'sed'. Did you mean 'seed'?"));
  c.insert_or_assign("split", toml::table{{"type", "single"}, {"val_fraction", 1.5}});
  CHECK(message_of([&] { experiment::split_settings(c, host); }) ==
        "[split] (splitter/single): option 'val_fraction' must be between 0 and 1, got 1.5");
  c.insert_or_assign("split", toml::table{{"type", "single"}, {"test_fraction", 0.2}});
  const auto split = experiment::split_settings(c, host);
  CHECK(split.type == "single");
  CHECK(split.seed == 5);  // the experiment's seed
  CHECK(split.options == nlohmann::json{{"test_fraction", 0.2}});
  c.insert_or_assign("split", toml::table{{"seed", 9}});
  CHECK(experiment::split_settings(c, host).type == "simulation");
  CHECK(experiment::split_settings(c, host).seed == 9);
}
