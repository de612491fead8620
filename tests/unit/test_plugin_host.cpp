#include <ATen/ATen.h>
#include "catch.hpp"
#include <dlfcn.h>
#include <nlohmann/json.hpp>

#include "support.hpp"
#include "trellis/plugin/plugin_host.hpp"
#include "trellis/sdk/encoder.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/predictor.hpp"
#include "trellis/sdk/relation.hpp"
#include "trellis/sdk/version.hpp"

using namespace trellis::core::plugin;
using trellis::test::test_plugin_dir;
using Catch::Contains;
using nlohmann::json;

namespace {
std::filesystem::path library(const std::string& name) { return test_plugin_dir(name) / ("trellis_" + name + ".so"); }
}  // namespace

TEST_CASE("a good plugin loads and reports its info and components", "[plugins]") {
  PluginHost host;
  host.add_search_path(test_plugin_dir("test_alpha"), "test");
  host.load_search_path();
  REQUIRE(host.plugins().size() == 1);
  const auto& p = *host.plugins()[0];
  CHECK(p.name == "test_alpha");
  CHECK(p.version == "1.2.3");
  CHECK(p.licence == "MIT");
  CHECK(p.components == std::vector<std::string>{"relation/alpha_sign", "encoder/alpha_throws",
                                                 "predictor/alpha_constant", "relation/shared_name"});
  CHECK(host.components("relation").size() == 2);
  CHECK(host.find("predictor", "predictor/alpha_constant").spec.name == "alpha_constant");
}

TEST_CASE("the shipped plugins load from the build tree", "[plugins]") {
  PluginHost host;
  host.add_search_path(TRELLIS_PLUGIN_BUILD_DIR, "build tree");
  host.load_search_path();
  CHECK(host.find_plugin("baselines") != nullptr);
  CHECK(host.find_plugin("common") != nullptr);
}

TEST_CASE("a library found twice on the search path is loaded once", "[plugins]") {
  PluginHost host;
  host.add_search_path(test_plugin_dir("test_alpha"), "a");
  host.add_search_path(library("test_alpha"), "b");
  host.load_search_path();
  CHECK(host.plugins().size() == 1);
}

TEST_CASE("missing plugin file or path", "[plugins]") {
  PluginHost host;
  REQUIRE_THROWS_WITH(host.load("/nonexistent/trellis_x.so"),
                      Contains("plugin library '/nonexistent/trellis_x.so' does not exist"));
  REQUIRE_THROWS_WITH(host.add_search_path("/nonexistent/dir", "config plugin_path"),
                      Contains("plugin path '/nonexistent/dir' (from config plugin_path) does not exist"));
}

TEST_CASE("a library without the entry point is not a plugin", "[plugins]") {
  PluginHost host;
  const auto file = test_plugin_dir("test_no_entry") / "trellis_test_no_entry.so";
  REQUIRE_THROWS_WITH(host.load(file), Contains("is not a Trellis plugin: it has no entry point 'trellis_plugin_entry'"));
}

TEST_CASE("a file that is not a shared library fails with the loader's message", "[plugins]") {
  trellis::test::TempDir dir;
  const auto fake = dir.write("trellis_fake.so", std::string(256, 'x'));  // long enough to have a header
  PluginHost host;
  REQUIRE_THROWS_WITH(host.load(fake), Contains("cannot load plugin library '" + fake.string() + "'") &&
                                           Contains("dlerror") && Contains("invalid ELF header"));
}

TEST_CASE("an unresolved symbol fails at load time (rtld_now) with dlerror's text", "[plugins]") {
  PluginHost host;
  const auto file = test_plugin_dir("test_unresolved") / "trellis_test_unresolved.so";
  REQUIRE_THROWS_WITH(host.load(file),
                      Contains("cannot load plugin library") && Contains("trellis_symbol_that_does_not_exist"));
}

TEST_CASE("PluginInfo mismatches are refused with got/supported", "[plugins]") {
  PluginHost host;
  REQUIRE_THROWS_WITH(host.load(library("test_bad_abi")),
                      Contains("plugin 'test_bad_abi'") && Contains("SDK ABI version mismatch: got 999, supported " + std::to_string(TRELLIS_SDK_ABI_VERSION)));
  REQUIRE_THROWS_WITH(host.load(library("test_bad_torch")),
                      Contains("LibTorch version mismatch: got 0.0.1, supported " TORCH_VERSION));
  REQUIRE_THROWS_WITH(host.load(library("test_bad_cxx_abi")),
                      Contains("C++ ABI flag mismatch: got _GLIBCXX_USE_CXX11_ABI=0, supported 1"));
  CHECK(host.plugins().empty());
}

TEST_CASE("a plugin whose registration throws is reported by name", "[plugins]") {
  PluginHost host;
  REQUIRE_THROWS_WITH(host.load(library("test_register_throws")),
                      Contains("plugin 'test_register_throws'") &&
                          Contains("register_components failed: registration exploded"));
  REQUIRE_THROWS_AS(host.load(library("test_register_throws")), PluginError);
}

TEST_CASE("a duplicate component across two libraries names both", "[plugins]") {
  PluginHost host;
  host.add_search_path(test_plugin_dir("test_alpha"), "test");
  host.add_search_path(test_plugin_dir("test_beta"), "test");
  REQUIRE_THROWS_WITH(host.load_search_path(),
                      Contains("duplicate component 'relation/shared_name'") &&
                          Contains("plugin 'test_alpha' (" + library("test_alpha").string() + ")") &&
                          Contains("plugin 'test_beta' (" + library("test_beta").string() + ")"));
}

TEST_CASE("unknown and misspelled components list what is available", "[plugins]") {
  PluginHost host;
  host.add_search_path(test_plugin_dir("test_alpha"), "test");
  host.load_search_path();
  REQUIRE_THROWS_WITH(host.find("relation", "alpha_sing"),
                      Contains("unknown relation component 'relation/alpha_sing'. Did you mean 'relation/alpha_sign'?") &&
                          Contains("Available relation components: relation/alpha_sign, relation/shared_name") &&
                          Contains("Loaded plugins: test_alpha (") &&
                          Contains("Plugin search path: " + test_plugin_dir("test_alpha").string() + " [test]"));
  REQUIRE_THROWS_WITH(host.find("graph", "knn"),
                      Contains("unknown graph component 'graph/knn'.") && Contains("Available graph components: none"));
}

TEST_CASE("create checks options, builds, and wraps plugin exceptions", "[plugins]") {
  PluginHost host;
  host.add_search_path(test_plugin_dir("test_alpha"), "test");
  host.load_search_path();
  auto predictor = host.create<trellis::sdk::Predictor>("alpha_constant",
                                                        json{{"value", 2.5}, {"label", "x"}}, "[model.predictor]");
  trellis::sdk::FitContext context;
  predictor->fit(context);
  const at::Tensor out = predictor->predict({trellis::sdk::Condition{}, trellis::sdk::Condition{}});
  CHECK(out.sizes() == at::IntArrayRef({2, 1}));
  CHECK(out[1][0].item<double>() == 2.5);

  REQUIRE_THROWS_WITH(host.create<trellis::sdk::Predictor>("alpha_constant",
                                                           json{{"valu", 1}, {"label", "x"}}, "[model.predictor]"),
                      Contains("[model.predictor] (predictor/alpha_constant): unknown option 'valu'. Did you mean 'value'?"));
  REQUIRE_THROWS_WITH(host.create<trellis::sdk::Predictor>("alpha_constant", json::object(), "[p]"),
                      Contains("[p] (predictor/alpha_constant): option 'label' is required"));
  // A component's own validation error comes back as a PluginError naming the plugin.
  REQUIRE_THROWS_WITH(host.create<trellis::sdk::Predictor>("alpha_constant",
                                                           json{{"value", -1}, {"label", "x"}}, "[p]"),
                      Contains("plugin 'test_alpha'") && Contains("predictor/alpha_constant failed to construct") &&
                          Contains("[p] (predictor/alpha_constant): option 'value' must not be negative, got -1.0"));
  // A constructor that throws.
  try {
    host.create<trellis::sdk::FeatureEncoder>("alpha_throws", json::object(), "[model.encoders.x]");
    FAIL("expected a PluginError");
  } catch (const PluginError& e) {
    CHECK(e.plugin() == "test_alpha");
    CHECK_THAT(e.what(), Contains("plugin 'test_alpha' (" + library("test_alpha").string() +
                                  "), encoder/alpha_throws failed to construct: constructor exploded"));
  }
}

TEST_CASE("a plugin object outlives the host and keeps its library loaded", "[plugins]") {
  std::shared_ptr<trellis::sdk::RelationTyper> typer;
  const std::string file = library("test_alpha").string();
  {
    PluginHost host;
    host.load(file);
    typer = host.create<trellis::sdk::RelationTyper>("alpha_sign", json::object(), "[r]");
  }  // the host and its handles are gone
  void* still_loaded = dlopen(file.c_str(), RTLD_NOW | RTLD_NOLOAD);
  REQUIRE(still_loaded != nullptr);
  dlclose(still_loaded);
  // Calling into the plugin's code still works.
  trellis::sdk::Graph g;
  g.name = "g";
  g.num_nodes = 3;
  g.edge_index = at::tensor({0, 1, 1, 2}, at::kLong).view({2, 2});
  g.weight = at::tensor({0.5f, -2.0f});
  const auto typed = typer->assign(g, trellis::sdk::GeneTable{});
  CHECK(typed.relation_names == std::vector<std::string>{"positive", "negative"});
  CHECK(typed.edge_type[0].item<int64_t>() == 0);
  CHECK(typed.edge_type[1].item<int64_t>() == 1);
  typer.reset();
}

// --- Open kinds: a kind is declared in its interface's header and nowhere
// else; the host refuses components whose kind or interface is wrong. ---

namespace trellis::sdk {
// A kind the host has never heard of, declared here as a plugin author would.
class TRELLIS_SDK_API Scorer {
 public:
  virtual ~Scorer() = default;
  virtual double score() const = 0;
};
TRELLIS_SDK_KIND(Scorer, "test_scorer", "Scores nothing in particular")
}  // namespace trellis::sdk

namespace {

class FixedScorer : public trellis::sdk::Scorer {
 public:
  double score() const override { return 4.5; }
};

void register_scorer(trellis::sdk::Registrar& r) {
  r.add<trellis::sdk::Scorer>("fixed", "Always 4.5", trellis::sdk::OptionSchema{},
                              [](const trellis::sdk::Options&) { return std::make_shared<FixedScorer>(); });
}

// An encoder factory filed under the adapter kind.
void register_wrong_interface(trellis::sdk::Registrar& r) {
  trellis::sdk::ComponentSpec spec;
  spec.kind = "adapter";
  spec.interface_type = trellis::sdk::KindOf<trellis::sdk::FeatureEncoder>::info().type_id;
  spec.name = "impostor";
  spec.factory = [](const trellis::sdk::Options&) -> std::shared_ptr<void> { return nullptr; };
  r.add(spec);
}

void register_undeclared_kind(trellis::sdk::Registrar& r) {
  trellis::sdk::ComponentSpec spec;
  spec.kind = "scorrer";
  spec.interface_type = "x";
  spec.name = "lost";
  spec.factory = [](const trellis::sdk::Options&) -> std::shared_ptr<void> { return nullptr; };
  r.add(spec);
}

class Boom : public trellis::sdk::FeatureEncoder {
 public:
  at::Tensor encode(const trellis::sdk::BuildContext&) override { throw trellis::sdk::Error("kaboom"); }
};

void register_boom(trellis::sdk::Registrar& r) {
  r.add<trellis::sdk::FeatureEncoder>("boom", "Throws from encode", trellis::sdk::OptionSchema{}.add("dim", 3, "width"),
                                      [](const trellis::sdk::Options&) { return std::make_shared<Boom>(); });
}

}  // namespace

TEST_CASE("a kind declared in one header registers, lists and creates like the built-in ones", "[plugins][kinds]") {
  const auto kind = trellis::sdk::find_kind("test_scorer");
  REQUIRE(kind);
  CHECK(kind->interface == "Scorer");
  // The SDK's own kinds, including the three SDK 3 adds.
  std::vector<std::string> names;
  for (const auto& k : trellis::sdk::declared_kinds()) names.push_back(k.name);
  for (const char* expected : {"adapter", "encoder", "graph", "graph_metric", "gsl", "metric", "network", "predictor",
                               "reader", "relation", "splitter", "test_scorer"})
    CHECK(std::find(names.begin(), names.end(), expected) != names.end());

  PluginHost host;
  host.add_builtin("scorers", "test", &register_scorer);
  CHECK(host.components("test_scorer").size() == 1);
  CHECK(host.create<trellis::sdk::Scorer>("fixed", json::object(), "[s]")->score() == 4.5);
  REQUIRE_THROWS_WITH(host.find("test_scorer", "fixd"), Contains("Did you mean 'test_scorer/fixed'?"));
}

TEST_CASE("a component registered under the wrong kind is refused at load", "[plugins][kinds]") {
  PluginHost host;
  REQUIRE_THROWS_WITH(host.add_builtin("impostors", "test", &register_wrong_interface),
                      Contains("plugin 'impostors' (") &&
                          Contains("registers 'adapter/impostor' with a factory of another interface than Adapter") &&
                          Contains("register it with Registrar::add<Adapter>"));
  REQUIRE_THROWS_WITH(host.add_builtin("lost", "test", &register_undeclared_kind),
                      Contains("registers 'scorrer/lost' under the undeclared kind 'scorrer'") &&
                          Contains("declared kinds: adapter, dnalm, encoder") && Contains("TRELLIS_SDK_KIND"));
  CHECK(host.components().empty());
  // Declaring a second interface under a taken name is refused too.
  REQUIRE_THROWS_WITH(trellis::sdk::declare_kind({"encoder", "Other", "other-type", ""}),
                      Contains("component kind 'encoder' is declared twice, for interface FeatureEncoder and for "
                               "interface Other"));
}

TEST_CASE("an exception from a plugin object names the plugin, component, table and options", "[plugins][guard]") {
  PluginHost host;
  host.add_builtin("boomers", "test", &register_boom);
  Origin origin;
  auto encoder = host.create<trellis::sdk::FeatureEncoder>("boom", json{{"dim", 7}}, "[model.encoders.e]", &origin);
  CHECK(origin.table == "model.encoders.e");
  CHECK(origin.key == "encoder/boom");
  trellis::sdk::BuildContext context;
  try {
    guarded(origin, "encode", [&] { return encoder->encode(context); });
    FAIL("expected a PluginError");
  } catch (const PluginError& e) {
    CHECK(e.plugin() == "boomers");
    CHECK(std::string(e.what()) ==
          "plugin 'boomers' " TRELLIS_SDK_VERSION ", encoder/boom in [model.encoders.e] {dim = 7}: encode failed: kaboom");
  }
  // An error already attributed passes through unchanged.
  CHECK_THROWS_WITH(guarded(origin, "fit", [] { throw PluginError("x", "already named"); }), "already named");
}
