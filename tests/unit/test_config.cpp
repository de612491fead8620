#include "catch.hpp"
#include <nlohmann/json.hpp>

#include "support.hpp"
#include "trellis/config/config.hpp"

using namespace trellis::core::config;
using trellis::test::TempDir;
using Catch::Contains;

TEST_CASE("extends: relative paths, applied in order, tables deep-merged, arrays replaced", "[config]") {
  TempDir dir;
  dir.write("data/base.toml", "[data]\nfile = 'screen.h5ad'\nlabels = ['a', 'b', 'c']\nmin_cells = 2\n");
  dir.write("models/m.toml", "[model.predictor]\ntype = 'predictor/gears'\nhidden = 64\nepochs = 20\n");
  dir.write("models/m2.toml", "[model.predictor]\nhidden = 32\n");
  const auto exp = dir.write("experiments/e.toml",
                             "extends = ['../data/base.toml', '../models/m.toml', '../models/m2.toml']\n"
                             "seed = 7\n[data]\nlabels = ['x']\n[model.predictor]\nepochs = 5\n");
  const toml::table c = load(exp);
  CHECK(c["seed"].value<int64_t>() == 7);
  CHECK(c["threads"].value<int64_t>() == 0);  // from the defaults
  CHECK(c["model"]["predictor"]["type"].value<std::string>() == "predictor/gears");
  CHECK(c["model"]["predictor"]["hidden"].value<int64_t>() == 32);  // later extends win
  CHECK(c["model"]["predictor"]["epochs"].value<int64_t>() == 5);   // the file itself wins last
  CHECK(c["data"]["min_cells"].value<int64_t>() == 2);              // deep merge keeps siblings
  REQUIRE(c["data"]["labels"].as_array()->size() == 1);             // arrays are replaced
  // A relative *_file value means the same file after merging.
  CHECK(c["data"]["file"].value<std::string>() == (dir.path() / "data" / "screen.h5ad").string());
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
  CHECK(load(f)["data"]["path"].value<std::string>() == (dir.path() / "shared/data/screen.h5ad").string());
  CHECK(load(f)["data"]["name"].value<std::string>() == "${NOT_EXPANDED}");  // only path keys expand
  setenv("TRELLIS_DATA_DIR", "/elsewhere", 1);
  CHECK(load(f)["data"]["path"].value<std::string>() == "/elsewhere/screen.h5ad");
  const auto g = dir.write("g.toml", "data_file = '${TRELLIS_UNSET_VARIABLE_X}/a'\n");
  REQUIRE_THROWS_WITH(load(g), Contains("'data_file' uses ${TRELLIS_UNSET_VARIABLE_X}, which is not set"));
  if (saved) setenv("TRELLIS_DATA_DIR", saved_value.c_str(), 1); else unsetenv("TRELLIS_DATA_DIR");
}
