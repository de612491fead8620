#include "catch.hpp"
#include <nlohmann/json.hpp>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/options.hpp"
#include "trellis/sdk/suggest.hpp"

using namespace trellis::sdk;
using Catch::Contains;
using nlohmann::json;

namespace {
OptionSchema schema() {
  return OptionSchema{}
      .add("hidden", 64, "hidden size")
      .add("lr", 1e-3, "learning rate")
      .add("direction", "smooth", "direction loss")
      .add("uncertainty", false, "uncertainty head")
      .add("layers", std::vector<std::int64_t>{64, 128}, "layer sizes")
      .add("ontologies", std::vector<std::string>{"BP", "CC", "MF"}, "GO ontologies")
      .add("weights", std::vector<double>{0.5, 1.0}, "weights");
}
}  // namespace

TEST_CASE("options fill defaults and return typed values", "[options]") {
  const Options o(schema(), json{{"hidden", 128}, {"lr", 1}}, "[model.predictor]");
  CHECK(o.get_int("hidden") == 128);
  CHECK(o.get_double("lr") == 1.0);  // an integer is accepted for a real
  CHECK(o.get_string("direction") == "smooth");
  CHECK_FALSE(o.get_bool("uncertainty"));
  CHECK(o.get_ints("layers") == std::vector<std::int64_t>{64, 128});
  CHECK(o.get_strings("ontologies") == std::vector<std::string>{"BP", "CC", "MF"});
  CHECK(o.get_doubles("weights") == std::vector<double>{0.5, 1.0});
  CHECK(o.is_set("hidden"));
  CHECK_FALSE(o.is_set("direction"));
  CHECK(o.values().size() == 7);
}

TEST_CASE("an unknown option names the known keys and the nearest one", "[options]") {
  REQUIRE_THROWS_WITH(Options(schema(), json{{"hiden", 1}}, "[model.predictor] (predictor/gears)"),
                      Contains("unknown option 'hiden' in [model.predictor] (predictor/gears)") &&
                          Contains("Did you mean 'hidden'?") &&
                          Contains("Known options: hidden, lr, direction, uncertainty, layers, ontologies, weights"));
  REQUIRE_THROWS_WITH(Options(OptionSchema{}, json{{"x", 1}}, "[model.gsl]"),
                      Contains("This component takes no options"));
}

TEST_CASE("a value of the wrong type is refused with the expected type", "[options]") {
  REQUIRE_THROWS_WITH(Options(schema(), json{{"hidden", "big"}}, "[p]"),
                      Contains("option 'hidden' in [p] must be an integer, got \"big\""));
  REQUIRE_THROWS_WITH(Options(schema(), json{{"hidden", 1.5}}, "[p]"), Contains("must be an integer, got 1.5"));
  REQUIRE_THROWS_WITH(Options(schema(), json{{"uncertainty", 1}}, "[p]"), Contains("must be a boolean"));
  REQUIRE_THROWS_WITH(Options(schema(), json{{"ontologies", json::array({"BP", 3})}}, "[p]"),
                      Contains("must be a list of strings"));
  REQUIRE_THROWS_WITH(Options(schema(), json::array({1}), "[p]"), Contains("options in [p] must be a table"));
}

TEST_CASE("a required option must be given", "[options]") {
  const auto s = OptionSchema{}.require("file", OptionType::string, "path to the network");
  REQUIRE_THROWS_WITH(Options(s, json::object(), "[model.graphs.prior]"),
                      Contains("option 'file' in [model.graphs.prior] is required (a string: path to the network)"));
  CHECK(Options(s, json{{"file", "x.tsv"}}, "[g]").get_string("file") == "x.tsv");
}

TEST_CASE("invalid() names the option, the place and the value", "[options]") {
  const Options o(schema(), json{{"hidden", -3}}, "[model.predictor]");
  const Error e = o.invalid("hidden", "must be positive");
  CHECK(std::string(e.what()) == "option 'hidden' in [model.predictor] must be positive (got -3)");
}

TEST_CASE("reading an undeclared option or the wrong type is a component bug", "[options]") {
  const Options o(schema(), json::object(), "[p]");
  REQUIRE_THROWS_WITH(o.get_int("nope"), Contains("reads option 'nope' that it did not declare"));
  REQUIRE_THROWS_WITH(o.get_string("hidden"), Contains("declared as an integer but read as a string"));
  REQUIRE_THROWS_WITH(OptionSchema{}.add("a", 1, "").add("a", 2, ""), Contains("declared twice"));
}

TEST_CASE("edit distance and closest match", "[options]") {
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("same", "same") == 0);
  CHECK(closest_match("hiden", {"hidden", "lr"}) == "hidden");
  CHECK(closest_match("zzzzzz", {"hidden", "lr"}).empty());
  CHECK(join({"a", "b", "c"}) == "a, b, c");
}
