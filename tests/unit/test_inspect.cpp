// The pieces of `trellis data inspect`: control-label matching, candidate
// condition columns, column summaries, value checks that name the cell and
// gene, and the [data] snippet. Expected values are counted by hand.
#include <limits>

#include "catch.hpp"
#include "trellis/config/config.hpp"
#include "trellis/data/column_summary.hpp"
#include "trellis/data/condition_candidates.hpp"
#include "trellis/data/data_snippet.hpp"
#include "trellis/io/matrix_values.hpp"
#include "trellis/sdk/error.hpp"

using namespace trellis::core::data;
using trellis::core::io::check_finite;
using trellis::core::io::find_negative;
using trellis::core::io::summarise_values;
using trellis::sdk::Column;
using trellis::sdk::CsrMatrix;
using trellis::sdk::DataFrame;
using Catch::Contains;

namespace {

// 10 cells: guide_target NT x4, G1 x3, G2 x2, G1+G2 x1; gears ctrl x4 and
// GEARS spellings; sample s1/s2; n_counts integers; score reals with a NaN.
DataFrame screen_obs() {
  DataFrame obs;
  for (int i = 0; i < 10; ++i) obs.index.push_back("cell" + std::to_string(i));
  obs.set("n_counts", Column::from_integers({10, 20, 5, 7, 9, 30, 11, 12, 13, 14}));
  obs.set("sample", Column::from_strings({"s1", "s2", "s1", "s2", "s1", "s2", "s1", "s2", "s1", "s1"}));
  obs.set("gears", Column::categorical_from({"ctrl", "G1+ctrl", "G1+ctrl", "ctrl", "G2+ctrl", "ctrl", "G1+ctrl",
                                             "G2+ctrl", "G1+G2", "ctrl"}));
  obs.set("guide_target",
          Column::categorical_from({"NT", "G1", "G1", "NT", "G2", "NT", "G1", "G2", "G1+G2", "NT"}));
  obs.set("kind", Column::from_strings({"CRISPRi", "CRISPRi", "CRISPRi", "CRISPRi", "CRISPRi", "CRISPRi", "CRISPRi",
                                        "CRISPRi", "CRISPRi", "CRISPRi"}));
  obs.set("score", Column::from_reals({0.5, -1, 2, std::numeric_limits<double>::quiet_NaN(), 0, 0, 0, 0, 0, 1}));
  return obs;
}

// 3 cells x 3 genes:  c0 [1, 0, -2]   c1 [0, NaN, 0]   c2 [0.5, 0, Inf]
CsrMatrix bad_matrix() {
  CsrMatrix m;
  m.rows = 3;
  m.cols = 3;
  m.indptr = {0, 2, 3, 5};
  m.indices = {0, 2, 1, 0, 2};
  m.values = {1.f, -2.f, std::numeric_limits<float>::quiet_NaN(), 0.5f, std::numeric_limits<float>::infinity()};
  return m;
}

}  // namespace

TEST_CASE("control labels match exactly, partially, or not at all", "[inspect]") {
  for (const char* exact : {"ctrl", "Control", "CONTROL", "NT", "nt", "NTC", "non-targeting", "Non_Targeting",
                            "nontargeting", "safe-targeting", "safe_targeting", "unperturbed", "ctrl+ctrl"})
    CHECK(match_control_label(exact) == ControlMatch::exact);
  for (const char* partial : {"non-targeting_03", "control_k562", "NT_1", "NTC-2", "sgNonTargeting", "scrambled_2"})
    CHECK(match_control_label(partial) == ControlMatch::partial);
  // GEARS singles, genes whose names contain NT, and other labels are not controls.
  for (const char* none : {"G1+ctrl", "ctrl+KLF1", "NT5E", "MINT", "KLF1", "", "KLF1+NT"})
    CHECK(match_control_label(none) == ControlMatch::none);
}

TEST_CASE("condition columns: those with a control label and other labels, best first", "[inspect]") {
  const auto summaries = summarise_columns(screen_obs());
  const auto found = find_condition_columns(summaries);
  // Both text columns with controls; guide_target is named like conditions.
  REQUIRE(found.size() == 2);
  CHECK(found[0].column == "guide_target");
  CHECK(found[0].values == 4);
  REQUIRE(found[0].controls.size() == 1);
  CHECK(found[0].controls[0].label == "NT");
  CHECK(found[0].controls[0].cells == 4);
  CHECK(found[0].controls[0].exact);
  CHECK(found[1].column == "gears");
  CHECK(found[1].controls[0].label == "ctrl");  // "G1+ctrl" is a single, not a control
  CHECK(found[1].controls.size() == 1);
  CHECK(find_perturbation_type_column(summaries) == "kind");

  // An exact label beats a partial one, whatever the column names.
  DataFrame obs;
  obs.index = {"a", "b", "c", "d"};
  obs.set("condition", Column::from_strings({"control_k562", "G1_k562", "control_k562", "G2_k562"}));
  obs.set("x", Column::from_strings({"ctrl", "G1", "ctrl", "G2"}));
  const auto ranked = find_condition_columns(summarise_columns(obs));
  REQUIRE(ranked.size() == 2);
  CHECK(ranked[0].column == "x");
  CHECK(ranked[1].column == "condition");
  CHECK_FALSE(ranked[1].controls[0].exact);
}

TEST_CASE("column summaries: value counts, ranges and missing values", "[inspect]") {
  const auto s = summarise_columns(screen_obs());
  REQUIRE(s.size() == 6);
  CHECK(s[0].name == "n_counts");
  CHECK(s[0].type == "integer");
  CHECK(s[0].min == 5);
  CHECK(s[0].max == 30);
  CHECK(describe(s[0]) == "integer  min 5, max 30");
  CHECK(s[1].type == "string");
  CHECK(describe(s[1]) == "string  2 values: s1 (6), s2 (4)");
  CHECK(s[3].type == "categorical");
  CHECK(describe(s[3], 2) == "categorical  4 values: NT (4), G1 (3), ...");
  CHECK(s[3].count_of("G1+G2") == 1);
  CHECK(s[3].count_of("ctrl") == 0);
  CHECK(s[5].missing == 1);
  CHECK(describe(s[5]) == "real  min -1, max 2; 1 missing");
}

TEST_CASE("value checks name the cell and the gene", "[inspect]") {
  const CsrMatrix m = bad_matrix();
  const std::vector<std::string> cells = {"c0", "c1", "c2"}, genes = {"A", "B", "C"};
  const auto v = summarise_values(m);
  CHECK(v.stored == 5);
  CHECK(v.nan == 1);
  CHECK(v.infinite == 1);
  CHECK(v.negative == 1);
  CHECK(v.non_integer == 1);  // 0.5
  CHECK(v.min == -2.0);
  CHECK(v.max == 1.0);
  CHECK(trellis::core::io::describe_position(v.first_negative, cells, genes) ==
        "cell 'c0' (row 0), gene 'C' (column 2), value -2");
  REQUIRE_THROWS_WITH(check_finite(m, cells, genes, "f.h5ad: X"),
                      Contains("f.h5ad: X: 1 NaN and 1 infinite values; the first at cell 'c1' (row 1), gene 'B' "
                               "(column 1), value NaN"));
  const auto negative = find_negative(m);
  CHECK(negative.count == 1);
  CHECK(negative.first.row == 0);
  CHECK(negative.first.column == 2);
  CHECK_THAT(trellis::core::io::negative_values_problem(negative, cells, genes),
             Contains("X has 1 negative values") && Contains("cell 'c0' (row 0), gene 'C' (column 2), value -2") &&
                 Contains("adata.raw"));
  // Without names: rows and columns only; the SDK check says where too.
  REQUIRE_THROWS_WITH(check_finite(m, {}, {}, "X"), Contains("the first at cell (row 1), gene (column 1)"));
  REQUIRE_THROWS_WITH(m.validate("X"), Contains("X: non-finite value (NaN) at row 1, column 1"));
  CHECK_NOTHROW(m.validate_structure("X"));
}

TEST_CASE("the [data] snippet: detected column and label, --set keys kept, defaults left out", "[inspect]") {
  FileInspection inspection;
  inspection.read = true;
  inspection.obs = summarise_columns(screen_obs());
  inspection.conditions = find_condition_columns(inspection.obs);
  inspection.perturbation_type_column = "kind";
  inspection.covariate_columns = {"sample"};

  toml::table data = data_table_for_file("/data/screen.h5ad");
  CHECK(data["control_label"].value<std::string>() == "ctrl");  // every key present, at its default
  CHECK(data["hvg"].value<int64_t>() == 0);
  apply_detected(data, inspection, {});
  CHECK(data["condition_column"].value<std::string>() == "guide_target");
  CHECK(data["control_label"].value<std::string>() == "NT");
  CHECK(data["perturbation_type_column"].value<std::string>() == "kind");
  const std::string snippet = data_snippet(data, inspection);
  CHECK_THAT(snippet, Contains("[data]\npath = \"/data/screen.h5ad\"\ncondition_column = \"guide_target\"\n"
                               "control_label = \"NT\"\nperturbation_type_column = \"kind\"\n"));
  CHECK_THAT(snippet, Contains("# or: condition_column = \"gears\", control_label = \"ctrl\""));
  CHECK_THAT(snippet, Contains("# covariates = [ \"sample\" ]"));
  CHECK(snippet.find("hvg") == std::string::npos);  // at its default
  // The snippet parses as a [data] table.
  const auto parsed = parse_data_config(trellis::core::config::to_json(*toml::parse(snippet)["data"].as_table()));
  CHECK(parsed.condition_column == "guide_target");
  CHECK(parsed.format.control == "NT");

  // A column chosen with --set gets its own control label; a label set with
  // --set stays.
  FileInspection k562;
  DataFrame obs;
  obs.index = {"a", "b", "c", "d"};
  obs.set("condition", Column::from_strings({"control_k562", "G1_k562", "control_k562", "G2_k562"}));
  obs.set("x", Column::from_strings({"ctrl", "G1", "ctrl", "G2"}));
  k562.obs = summarise_columns(obs);
  k562.conditions = find_condition_columns(k562.obs);
  toml::table mine = data_table_for_file("/data/screen.h5ad");
  mine.insert_or_assign("condition_column", "condition");
  apply_detected(mine, k562, {"condition_column"});
  CHECK(mine["condition_column"].value<std::string>() == "condition");
  CHECK(mine["control_label"].value<std::string>() == "control_k562");
  mine.insert_or_assign("control_label", "mine");
  apply_detected(mine, k562, {"condition_column", "control_label"});
  CHECK(mine["control_label"].value<std::string>() == "mine");
  mine.insert_or_assign("hvg", 100);
  CHECK_THAT(data_snippet(mine, k562), Contains("hvg = 100"));
}
