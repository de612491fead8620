// Guide assignment: from guide UMI counts to one condition per cell.

#include <map>
#include <set>

#include "catch.hpp"
#include "support.hpp"
#include "trellis/data/guides.hpp"
#include "trellis/io/matrix_market.hpp"
#include "trellis/io/tenx.hpp"
#include "trellis/sdk/error.hpp"

using namespace trellis::core::data;
using trellis::sdk::AnnData;
using trellis::sdk::Column;
using Catch::Contains;

namespace {

// Guides: A_1, A_2 (target A), B_1 (target B), NT_1 (target "Non-Targeting"),
// non-targeting_7 (no target, control by its name), X_1 (no target).
AnnData screen(const std::vector<std::vector<float>>& rows) {
  AnnData d;
  d.guides.index = {"A_1", "A_2", "B_1", "NT_1", "non-targeting_7", "X_1"};
  d.guides.set("target", Column::from_strings({"A", "A", "B", "Non-Targeting", "", ""}));
  auto& m = d.guide_counts;
  m.rows = static_cast<std::int64_t>(rows.size());
  m.cols = 6;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    for (std::size_t c = 0; c < rows[r].size(); ++c)
      if (rows[r][c] != 0) {
        m.indices.push_back(static_cast<std::int32_t>(c));
        m.values.push_back(rows[r][c]);
      }
    m.indptr.push_back(static_cast<std::int64_t>(m.values.size()));
    d.obs.index.push_back("cell" + std::to_string(r));
  }
  return d;
}

}  // namespace

TEST_CASE("guide assignment: the low-MOI rule, outcome by outcome", "[guides]") {
  //                   A_1 A_2 B_1 NT  nt7 X_1
  const AnnData d = screen({{10, 0, 0, 0, 0, 0},    // 0 single A
                            {6, 4, 0, 0, 0, 0},     // 1 single A (A_2 below 5)
                            {5, 5, 0, 0, 0, 0},     // 2 single A (two guides of A tie)
                            {0, 0, 5, 0, 0, 0},     // 3 single B (exactly min_count)
                            {4, 0, 0, 0, 0, 0},     // 4 no guide (below min_count)
                            {0, 0, 0, 0, 0, 0},     // 5 no guide (no UMIs)
                            {6, 0, 6, 0, 0, 1},     // 6 no guide (none has half)
                            {0, 0, 0, 8, 1, 0},     // 7 control (target label, any case)
                            {0, 0, 0, 0, 9, 0},     // 8 control (name prefix)
                            {5, 0, 5, 0, 0, 0},     // 9 conflicting (A and B tie at half)
                            {0, 0, 6, 6, 0, 0},     // 10 conflicting (B with a control)
                            {20, 0, 9, 0, 0, 3}});  // 11 single A (B_1 below half; X_1 never passes)
  const auto a = assign_guides(d, {}, "ctrl");
  CHECK(a.condition ==
        std::vector<std::string>{"A", "A", "A", "B", "", "", "", "ctrl", "ctrl", "", "", "A"});
  CHECK(a.excluded_reason == std::vector<std::string>{"", "", "", "", "no_guide", "no_guide", "no_guide", "", "",
                                                      "conflicting", "conflicting", ""});
  CHECK(a.assigned_single == 5);
  CHECK(a.assigned_control == 2);
  CHECK(a.no_guide == 3);
  CHECK(a.conflicting == 2);
  CHECK(a.multi_kept == 0);
  CHECK(a.targets == 2);
  CHECK(describe(a) == "12 cells: 5 single-guide, 2 control; 2 targeted genes; excluded: no guide 3, conflicting 2");

  SECTION("thresholds are options") {
    GuideAssignmentOptions o;
    o.min_count = 1;
    o.min_fraction = 0.6;
    const auto b = assign_guides(d, o, "control");
    CHECK(b.condition[1] == "A");  // 6 + 4: A_1 has 0.6
    CHECK(b.condition[4] == "A");
    CHECK(b.condition[7] == "control");
    CHECK(b.excluded_reason[2] == "no_guide");  // 5 and 5: neither has 0.6
  }
}

TEST_CASE("guide assignment: keeping multi-gene cells", "[guides]") {
  //                   A_1 A_2 B_1 NT  nt7 X_1
  const AnnData d = screen({{10, 0, 6, 0, 0, 0},   // A+B (B_1 has 6 >= 5, fraction ignored)
                            {10, 9, 0, 0, 0, 0},   // A
                            {10, 0, 2, 0, 0, 0},   // A (B_1 below min_count)
                            {0, 0, 7, 0, 5, 0},    // conflicting: B with a control
                            {0, 0, 0, 5, 5, 0},    // control (two control guides)
                            {1, 0, 1, 0, 0, 0}});  // no guide
  GuideAssignmentOptions o;
  o.keep_multi = true;
  const auto a = assign_guides(d, o, "ctrl");
  CHECK(a.condition == std::vector<std::string>{"A+B", "A", "A", "", "ctrl", ""});
  CHECK(a.multi_kept == 1);
  CHECK(a.assigned_single == 2);
  CHECK(a.assigned_control == 1);
  CHECK(a.conflicting == 1);
  CHECK(a.no_guide == 1);
  CHECK(describe(a) ==
        "6 cells: 2 single-guide, 1 control, 1 multi-gene; 2 targeted genes; excluded: no guide 1, conflicting 1");
}

TEST_CASE("guide assignment: refusals", "[guides]") {
  AnnData empty;
  empty.obs.index = {"c"};
  REQUIRE_THROWS_WITH(assign_guides(empty, {}, "ctrl"), Contains("needs guide counts, but the data has none"));
  const AnnData d = screen({{0, 0, 0, 0, 0, 7}});
  REQUIRE_THROWS_WITH(assign_guides(d, {}, "ctrl"),
                      Contains("guide 'X_1' has no target (cell 'cell0' received it); give a guide target table"));
  AnnData shape = screen({{1, 0, 0, 0, 0, 0}});
  shape.guides.index.pop_back();
  REQUIRE_THROWS_WITH(assign_guides(shape, {}, "ctrl"), Contains("6 columns but the guide table lists 5 guides"));
  GuideAssignmentOptions o;
  o.min_fraction = 1.5;
  REQUIRE_THROWS_WITH(assign_guides(screen({{1, 0, 0, 0, 0, 0}}), o, "ctrl"), Contains("min_fraction must be in [0, 1]"));
  o = {};
  o.non_targeting.clear();
  REQUIRE_THROWS_WITH(assign_guides(screen({{1, 0, 0, 0, 0, 0}}), o, "ctrl"), Contains("non-targeting label must not be empty"));
  REQUIRE_THROWS_WITH(assign_guides(screen({{1, 0, 0, 0, 0, 0}}), {}, ""), Contains("control label must not be empty"));
}

TEST_CASE("guide assignment on Papalexi 2021 THP-1", "[guides][data]") {
  TRELLIS_REQUIRE_DATA(data);
  const auto dir = data / "perturbseq" / "papalexi2021_thp1";
  trellis::core::io::MtxSidecarSpec spec;
  spec.matrix = dir / "gene_counts.mtx.gz";
  spec.genes = dir / "genes.txt";
  spec.cells = dir / "cells.tsv";
  spec.guide_counts = dir / "grna_counts.mtx.gz";
  spec.guides = dir / "grnas.txt";
  spec.guide_targets = dir / "grna_targets.tsv";
  const AnnData d = trellis::core::io::read_mtx_with_sidecars(spec);

  const auto a = assign_guides(d, {}, "ctrl");
  WARN(describe(a));
  // Independent counts: a scipy script applying the same rule (>= 5 UMIs and
  // >= half of the cell's guide UMIs) to grna_counts.mtx.gz.
  CHECK(a.assigned_single == 17459);
  CHECK(a.assigned_control == 2304);
  CHECK(a.no_guide == 966);
  CHECK(a.conflicting == 0);
  CHECK(a.multi_kept == 0);
  std::map<std::string, std::int64_t> per_condition;
  for (const auto& c : a.condition)
    if (!c.empty()) ++per_condition[c];
  CHECK(per_condition["STAT1"] == 424);
  CHECK(per_condition["MYC"] == 103);
  CHECK(per_condition["SPI1"] == 47);
  // The library targets 26 genes, but no cell's dominant guide targets CD274
  // (its guides PDL1g1-3 never hold a cell's highest count), so the screen
  // has 25 knockout conditions plus control.
  CHECK(a.targets == 25);
  CHECK(per_condition.size() == 26);
  CHECK(per_condition.count("CD274") == 0);
  CHECK(describe(a) ==
        "20,729 cells: 17,459 single-guide, 2,304 control; 25 targeted genes; excluded: no guide 966, conflicting 0");

  // Second method, in place: a kept cell's condition is the target of its
  // highest-count guide, which holds >= 5 UMIs and >= half of the total.
  const auto& targets = d.guides.columns.at("target").strings;
  for (std::int64_t r = 0; r < d.guide_counts.rows; ++r) {
    float best = 0;
    float total = 0;
    std::int32_t best_guide = -1;
    for (auto k = d.guide_counts.indptr[r]; k < d.guide_counts.indptr[r + 1]; ++k) {
      total += d.guide_counts.values[k];
      if (d.guide_counts.values[k] > best) {
        best = d.guide_counts.values[k];
        best_guide = d.guide_counts.indices[k];
      }
    }
    const bool passes = best >= 5 && best >= 0.5f * total;
    const std::string expected =
        !passes ? "" : (targets[static_cast<std::size_t>(best_guide)] == "non-targeting" ? "ctrl" : targets[static_cast<std::size_t>(best_guide)]);
    if (a.condition[static_cast<std::size_t>(r)] != expected) {
      FAIL("cell " << d.obs.index[static_cast<std::size_t>(r)] << ": assigned '" << a.condition[static_cast<std::size_t>(r)]
                   << "', expected '" << expected << "'");
    }
  }

  GuideAssignmentOptions multi;
  multi.keep_multi = true;
  const auto m = assign_guides(d, multi, "ctrl");
  WARN(describe(m));
  CHECK(m.assigned_single == 14942);
  CHECK(m.assigned_control == 1973);
  CHECK(m.no_guide == 0);
  CHECK(m.conflicting == 750);
  CHECK(m.multi_kept == 3064);
}

TEST_CASE("guide assignment on Gasperini 2019 (high MOI, targets from guide names)", "[guides][data]") {
  TRELLIS_REQUIRE_DATA(data);
  const AnnData d = trellis::core::io::read_10x(data / "perturbseq" / "gasperini2019_tiny_10x");
  GuideAssignmentOptions o;
  o.keep_multi = true;
  const auto a = assign_guides(d, o, "ctrl");
  // Independent counts: a scipy script over both gem groups (every guide
  // with >= 5 UMIs; non-targeting_* guides are controls).
  CHECK(a.multi_kept == 77);
  CHECK(a.conflicting == 422);
  CHECK(a.assigned_control == 1);
  CHECK(a.assigned_single == 0);
  CHECK(a.no_guide == 0);
}
