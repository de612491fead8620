#include "catch.hpp"
#include <cmath>
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
                      Contains("[model.predictor] (predictor/gears): unknown option 'hiden'.") &&
                          Contains("Did you mean 'hidden'?") &&
                          Contains("Known options: hidden, lr, direction, uncertainty, layers, ontologies, weights"));
  REQUIRE_THROWS_WITH(Options(OptionSchema{}, json{{"x", 1}}, "[model.gsl]"),
                      Contains("This component takes no options"));
}

TEST_CASE("a value of the wrong type is refused with the expected type", "[options]") {
  REQUIRE_THROWS_WITH(Options(schema(), json{{"hidden", "big"}}, "[p]"),
                      Contains("[p]: option 'hidden' must be an integer, got \"big\""));
  REQUIRE_THROWS_WITH(Options(schema(), json{{"hidden", 1.5}}, "[p]"), Contains("must be an integer, got 1.5"));
  REQUIRE_THROWS_WITH(Options(schema(), json{{"uncertainty", 1}}, "[p]"), Contains("must be a boolean"));
  REQUIRE_THROWS_WITH(Options(schema(), json{{"ontologies", json::array({"BP", 3})}}, "[p]"),
                      Contains("must be a list of strings"));
  REQUIRE_THROWS_WITH(Options(schema(), json::array({1}), "[p]"), Contains("[p]: the options must be a table"));
}

TEST_CASE("a required option must be given", "[options]") {
  const auto s = OptionSchema{}.require("file", OptionType::string, "path to the network");
  REQUIRE_THROWS_WITH(Options(s, json::object(), "[model.graphs.prior]"),
                      Contains("[model.graphs.prior]: option 'file' is required (a string: path to the network)"));
  CHECK(Options(s, json{{"file", "x.tsv"}}, "[g]").get_string("file") == "x.tsv");
}

TEST_CASE("invalid() names the option, the place and the value", "[options]") {
  const Options o(schema(), json{{"hidden", -3}}, "[model.predictor]");
  const Error e = o.invalid("hidden", "must be positive");
  CHECK(std::string(e.what()) == "[model.predictor]: option 'hidden' must be positive, got -3");
}

TEST_CASE("reading an undeclared option or the wrong type is a component bug", "[options]") {
  const Options o(schema(), json::object(), "[p]");
  REQUIRE_THROWS_WITH(o.get_int("nope"), Contains("reads option 'nope' that it did not declare"));
  REQUIRE_THROWS_WITH(o.get_string("hidden"), Contains("declared as an integer but read as a string"));
  REQUIRE_THROWS_WITH(OptionSchema{}.add("a", 1, "").add("a", 2, ""), Contains("declared twice"));
}

namespace {
// The message of the error `values` cause against `schema`, or "no error".
std::string error_of(const OptionSchema& schema, const json& values,
                     const std::string& where = "[model.predictor] (predictor/gears)") {
  try {
    (void)Options(schema, values, where);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

OptionSchema constrained() {
  return OptionSchema{}
      .add("hidden", 64, "width")
      .min(1)
      .add("layers", 2, "layers")
      .max(8)
      .add("dropout", 0.1, "dropout rate")
      .range(0.0, 1.0)
      .add("rate", 0.5, "a rate below 1")
      .min(0)
      .less_than(1)
      .add("lr", 1e-3, "learning rate")
      .greater_than(0)
      .add("optimizer", "adam", "optimiser")
      .choices({"adam", "adamw"})
      .add("widths", std::vector<std::int64_t>{128}, "decoder widths")
      .min(1)
      .add("ontologies", std::vector<std::string>{"BP"}, "GO ontologies")
      .choices({"BP", "CC", "MF"})
      .add_path("go_file", "", "GO term table");
}
}  // namespace

TEST_CASE("declared constraints are checked with one message form", "[options]") {
  const auto s = constrained();
  const std::string at = "[model.predictor] (predictor/gears): ";
  CHECK(error_of(s, {{"hidden", 0}}) == at + "option 'hidden' must be at least 1, got 0");
  CHECK(error_of(s, {{"layers", 9}}) == at + "option 'layers' must be at most 8, got 9");
  CHECK(error_of(s, {{"dropout", 1.5}}) == at + "option 'dropout' must be between 0 and 1, got 1.5");
  CHECK(error_of(s, {{"dropout", -0.25}}) == at + "option 'dropout' must be between 0 and 1, got -0.25");
  CHECK(error_of(s, {{"rate", 1}}) == at + "option 'rate' must be at least 0 and less than 1, got 1");  // as written
  CHECK(error_of(s, {{"lr", 0}}) == at + "option 'lr' must be greater than 0, got 0");
  CHECK(error_of(s, {{"optimizer", "sgd"}}) == at + "option 'optimizer' must be one of \"adam\", \"adamw\", got \"sgd\"");
  CHECK(error_of(s, {{"optimizer", "adamm"}}) ==
        at + "option 'optimizer' must be one of \"adam\", \"adamw\", got \"adamm\" (did you mean \"adam\"?)");
  CHECK(error_of(s, {{"widths", {64, 0}}}) == at + "option 'widths' (element 2) must be at least 1, got 0");
  CHECK(error_of(s, {{"ontologies", {"BP", "XX"}}}) ==
        at + "option 'ontologies' (element 2) must be one of \"BP\", \"CC\", \"MF\", got \"XX\"");
  CHECK(error_of(s, {{"lr", std::nan("")}}) == at + "option 'lr' must be greater than 0, got nan");
  // Values on the bounds pass; the defaults are not checked (they may be sentinels).
  const Options ok(s, {{"hidden", 1}, {"layers", 8}, {"dropout", 1}, {"rate", 0}, {"optimizer", "adamw"},
                       {"widths", json::array()}, {"ontologies", {"CC", "MF"}}},
                   "[p]");
  CHECK(ok.get_int("hidden") == 1);
  CHECK(ok.get_double("dropout") == 1.0);
  CHECK(ok.get_strings("ontologies") == std::vector<std::string>{"CC", "MF"});
}

TEST_CASE("constraints are described for plugins info and refused on the wrong type", "[options]") {
  const auto s = constrained();
  CHECK(s.find("hidden")->describe_constraints() == "at least 1");
  CHECK(s.find("layers")->describe_constraints() == "at most 8");
  CHECK(s.find("dropout")->describe_constraints() == "between 0 and 1");
  CHECK(s.find("rate")->describe_constraints() == "at least 0 and less than 1");
  CHECK(s.find("lr")->describe_constraints() == "greater than 0");
  CHECK(s.find("optimizer")->describe_constraints() == "one of \"adam\", \"adamw\"");
  CHECK(s.find("widths")->describe_constraints() == "each at least 1");
  CHECK(s.find("ontologies")->describe_constraints() == "each one of \"BP\", \"CC\", \"MF\"");
  CHECK(s.find("go_file")->describe_constraints().empty());
  REQUIRE_THROWS_WITH(OptionSchema{}.min(1), Contains("min() must follow the add() of the option it constrains"));
  REQUIRE_THROWS_WITH(OptionSchema{}.add("name", "x", "").min(1),
                      Contains("option 'name': min() needs a number or a list of numbers, not a string"));
  REQUIRE_THROWS_WITH(OptionSchema{}.add("k", 1, "").choices({"a"}),
                      Contains("option 'k': choices() needs a string or a list of strings, not an integer"));
  REQUIRE_THROWS_WITH(OptionSchema{}.add("k", 1, "").range(2, 1), Contains("option 'k': range() needs low <= high"));
}

TEST_CASE("a path option is a string read with get_path", "[options]") {
  const auto s = constrained();
  const Options o(s, {{"go_file", "/data/go.tsv"}}, "[p]");
  CHECK(o.get_path("go_file") == "/data/go.tsv");
  CHECK(Options(s, json::object(), "[p]").get_path("go_file").empty());
  CHECK(s.find("go_file")->type == OptionType::path);
  CHECK(describe(OptionType::path) == "a path");
  REQUIRE_THROWS_WITH(Options(s, {{"go_file", 3}}, "[p]"), Contains("[p]: option 'go_file' must be a path, got 3"));
  REQUIRE_THROWS_WITH(o.get_string("go_file"), Contains("declared as a path but read as a string"));
}

TEST_CASE("extend joins two schemas and refuses a name in both", "[options]") {
  OptionSchema s = OptionSchema{}.add("type", "simulation", "splitter");
  s.extend(OptionSchema{}.add("val_fraction", 0.1, "validation").range(0, 1));
  CHECK(s.names() == std::vector<std::string>{"type", "val_fraction"});
  CHECK(error_of(s, {{"val_fraction", 2}}, "[split]") == "[split]: option 'val_fraction' must be between 0 and 1, got 2");
  REQUIRE_THROWS_WITH(s.extend(OptionSchema{}.add("type", "x", "")), Contains("option 'type' is declared twice"));
}

TEST_CASE("edit distance and closest match", "[options]") {
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("same", "same") == 0);
  CHECK(closest_match("hiden", {"hidden", "lr"}) == "hidden");
  CHECK(closest_match("zzzzzz", {"hidden", "lr"}).empty());
  CHECK(join({"a", "b", "c"}) == "a, b, c");
}
