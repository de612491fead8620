// `trellis data inspect` end to end, on small written screens and on the
// shared data.
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "catch.hpp"
#include "support.hpp"
#include "trellis/io/h5ad.hpp"
#include "trellis/io/hdf5_util.hpp"

using trellis::test::run_trellis;
using trellis::test::TempDir;
using Catch::Contains;

namespace {

namespace io = trellis::core::io;

// 12 cells x 4 genes, every entry stored (entry k = 4 * cell + gene). The
// condition column has a name inspect must find and the control label "NT":
// NT x4, G1 x3, G2 x3, G1+G2 x2. Counts 1 + (cell + gene) % 4, or those
// halved (log-normalised-like) when `counts` is false.
trellis::sdk::AnnData guide_screen(bool counts) {
  trellis::sdk::AnnData a;
  a.X.rows = 12;
  a.X.cols = 4;
  a.X.indptr = {0};
  for (int c = 0; c < 12; ++c) {
    for (int g = 0; g < 4; ++g) {
      a.X.indices.push_back(g);
      a.X.values.push_back((counts ? 1.0f : 0.5f) * static_cast<float>(1 + (c + g) % 4));
    }
    a.X.indptr.push_back(a.X.indptr.back() + 4);
    a.obs.index.push_back("cell" + std::to_string(c));
  }
  a.var.index = {"G0", "G1", "G2", "G3"};
  a.obs.set("guide_target", trellis::sdk::Column::categorical_from(
                                {"NT", "G1", "G1", "NT", "G2", "NT", "G1", "G2", "G1+G2", "NT", "G2", "G1+G2"}));
  a.obs.set("sample", trellis::sdk::Column::from_strings(
                          {"s1", "s2", "s1", "s2", "s1", "s2", "s1", "s2", "s1", "s2", "s1", "s2"}));
  return a;
}

// Sets stored value `k` of X in an .h5ad file, bypassing the writer's checks.
void set_x_value(const std::filesystem::path& file, std::size_t k, float value) {
  io::hdf5::Handle f(H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
  REQUIRE(f.get() >= 0);
  io::hdf5::Handle d(H5Dopen2(f, "X/data", H5P_DEFAULT));
  REQUIRE(d.get() >= 0);
  std::vector<float> values(48);
  REQUIRE(H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0);
  values[k] = value;
  REQUIRE(H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0);
}

// The lines of the suggested [data] config in inspect's output.
std::string snippet_of(const std::string& output) {
  std::istringstream in(output);
  std::string line, snippet;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line.rfind("suggested data config", 0) == 0) {
      inside = true;
      continue;
    }
    if (inside && line.rfind("screen (", 0) == 0) break;
    if (inside) snippet += line + "\n";
  }
  return snippet;
}

std::size_t occurrences(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("cli: data inspect on a bare file finds the condition column and the control label", "[cli][inspect]") {
  TempDir dir;
  const auto file = dir.path() / "screen.h5ad";
  io::write_h5ad(guide_screen(true), file);
  auto r = run_trellis("--log-level error data inspect " + file.string());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("shape        12 cells x 4 genes") &&
                           Contains("X            CSR, float32 values, int32 indices (48 stored"));
  CHECK_THAT(r.output, Contains("values       raw counts") && Contains("range 1 .. 4; negatives 0, NaN 0, Inf 0"));
  CHECK_THAT(r.output, Contains("guide_target  categorical  4 values: NT (4), G1 (3), G2 (3), G1+G2 (2)") &&
                           Contains("sample        string  2 values: s1 (6), s2 (6)"));
  CHECK_THAT(r.output, Contains("guide_target (4 labels): NT (4 cells)"));
  const std::string snippet = snippet_of(r.output);
  CHECK_THAT(snippet, Contains("condition_column = \"guide_target\"\ncontrol_label = \"NT\"\n") &&
                          Contains("path = \"" + file.string() + "\""));
  CHECK_THAT(r.output, Contains("conditions   2 single, 1 combination, control 4 cells") &&
                           Contains("problems     none"));

  // The snippet, saved as a data config, loads the same screen.
  const auto config = dir.write("suggested.toml", snippet);
  r = run_trellis("--log-level error data inspect " + config.string());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("conditions   2 single, 1 combination, control 4 cells") &&
                           Contains("screen (loaded with the [data] of " + config.string()) &&
                           Contains("problems     none"));
}

TEST_CASE("cli: data inspect --set on a bare file changes the [data] built for it", "[cli][inspect]") {
  TempDir dir;
  const auto file = dir.path() / "screen.h5ad";
  io::write_h5ad(guide_screen(true), file);
  const std::string inspect = "--log-level error data inspect " + file.string();
  auto r = run_trellis(inspect + " --set data.name=mine --set data.values=log_normalised");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("dataset      mine") && Contains("values       log-normalised (used as is)"));
  CHECK_THAT(snippet_of(r.output), Contains("name = \"mine\"") && Contains("values = \"log_normalised\"") &&
                                       Contains("control_label = \"NT\""));

  // A label no cell has: everything is still reported, then the load fails.
  r = run_trellis(inspect + " --set data.control_label=XX");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("guide_target (4 labels): NT (4 cells)") &&
                           Contains("no cell has the control label 'XX' in column 'guide_target' ([data] "
                                    "control_label); control-like labels there: NT (4 cells)") &&
                           Contains("the screen cannot be loaded: ") && Contains("no control cells"));
  r = run_trellis(inspect + " --set data.contrl_label=NT");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("unknown key 'data.contrl_label'. Did you mean 'data.control_label'?"));
  r = run_trellis(inspect + " --set seed=3");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("with a data file only [data] keys can be set"));
}

TEST_CASE("cli: data inspect names the cell and gene of a NaN and of negative log-normalised values",
          "[cli][inspect]") {
  TempDir dir;
  const auto file = dir.path() / "nan.h5ad";
  io::write_h5ad(guide_screen(true), file);
  set_x_value(file, 4 * 5 + 2, std::numeric_limits<float>::quiet_NaN());  // cell5, G2
  auto r = run_trellis("--log-level error data inspect " + file.string());
  INFO(r.output);
  CHECK(r.exit_code == 1);
  // Inspection still reports the columns and candidates, then every problem.
  CHECK_THAT(r.output, Contains("guide_target (4 labels): NT (4 cells)") && Contains("negatives 0, NaN 1, Inf 0"));
  CHECK_THAT(r.output, Contains("X has 1 NaN and 0 infinite values; the first at cell 'cell5' (row 5), gene 'G2' "
                                "(column 2), value NaN"));
  // The reader's error, attributed to the reader component by the host.
  CHECK_THAT(r.output, Contains("the screen cannot be loaded: plugin 'builtin' ") &&
                           Contains("reader/h5ad in [data.reader_options]: read failed: " + file.string() +
                                    ": X: 1 NaN and 0 infinite values; the first at cell 'cell5' (row 5), gene 'G2'"));

  // Declared log-normalised, with one negative value: loads, with the
  // problem named once by cell and gene.
  const auto log_file = dir.path() / "log.h5ad";
  auto screen = guide_screen(false);
  screen.X.values[4 * 7 + 1] = -0.25f;  // cell7, G1
  io::write_h5ad(screen, log_file);
  const auto config = dir.write("log.toml", "[data]\npath = '" + log_file.string() +
                                                "'\ncondition_column = 'guide_target'\ncontrol_label = 'NT'\n"
                                                "values = 'log_normalised'\n");
  r = run_trellis("--log-level error data inspect " + config.string());
  INFO(r.output);
  CHECK(r.exit_code == 0);
  const std::string problem =
      "X has 1 negative values, which log-normalised expression (log1p of normalised counts) never has; the first "
      "at cell 'cell7' (row 7), gene 'G1' (column 1), value -0.25";
  CHECK_THAT(r.output, Contains("problems     1") && Contains(problem));
  CHECK(occurrences(r.output, problem) == 1);
  CHECK_THAT(r.output, Contains("conditions   2 single, 1 combination, control 4 cells"));
}

TEST_CASE("cli: data inspect on the shared Norman 2019 file suggests a config that loads", "[cli][inspect][loader]") {
  TRELLIS_REQUIRE_DATA(data);
  const auto h5ad = (data / "perturbseq/norman19_mcfaline23_subset.h5ad").string();
  const std::string env = "TRELLIS_DATA_DIR=" + data.string();
  auto r = run_trellis("--log-level error data inspect " + h5ad, env);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  // Values from Python anndata/h5py: CSR float64 with int32 indices, 211,790
  // stored values, log1p data in [0, 6.9485]; 400 control cells, 18 single
  // and 15 combination labels in `condition`.
  CHECK_THAT(r.output, Contains("shape        5961 cells x 500 genes") &&
                           Contains("X            CSR, float64 values, int32 indices (211790 stored, 7.11% of") &&
                           Contains("values       log-normalised (211790 non-integer values; used as is); range 0 .. "
                                    "6.9485; negatives 0, NaN 0, Inf 0"));
  CHECK_THAT(r.output, Contains("condition (34 labels): control (400 cells)") &&
                           Contains("perturbation type column: perturbation_type"));
  const std::string snippet = snippet_of(r.output);
  CHECK_THAT(snippet, Contains("condition_column = \"condition\"\ncontrol_label = \"control\"\n"
                               "perturbation_type_column = \"perturbation_type\"") &&
                          Contains("# or: condition_column = \"perturbation\", control_label = \"control\""));
  CHECK_THAT(r.output, Contains("5961 kept") && Contains("18 single, 15 combination, control 400 cells"));
  TempDir dir;
  const auto config = dir.write("norman.toml", snippet);
  r = run_trellis("--log-level error data inspect " + config.string(), env);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("18 single, 15 combination, control 400 cells"));
}


TEST_CASE("cli: data inspect summarises an h5ad file and a data config", "[cli][loader]") {
  TRELLIS_REQUIRE_DATA(data);
  const auto h5ad = (data / "perturbseq/norman19_mcfaline23_subset.h5ad").string();
  TempDir dir;
  const auto config = dir.write("norman.toml", "[data]\npath = '" + h5ad +
                                                   "'\ncondition_column = 'perturbation'\ncontrol_label = 'control'\n"
                                                   "[data.select]\ndataset = 'norman19'\n");
  auto r = run_trellis("data inspect " + config.string());
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("3375 kept") && Contains("18 single, 15 combination, control 100 cells") &&
                           Contains("reader/h5ad"));
  r = run_trellis("data inspect " + config.string() + " --set data.select.dataset=mcfaline23");
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("9 single, 0 combination"));
  r = run_trellis("data inspect " + (dir.path() / "nope.h5ad").string());
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("nope.h5ad' does not exist"));
}

TEST_CASE("cli: run with [data] writes a seeded, reloadable split", "[cli][loader]") {
  TRELLIS_REQUIRE_DATA(data);
  TempDir dir;
  const std::string source = TRELLIS_SOURCE_DIR;
  const auto config = dir.write("exp.toml", "extends = ['" + source + "/configs/data/norman19.toml', '" + source +
                                                "/configs/models/no_change.toml']\nseed = 1\n[split]\n"
                                                "type = 'simulation'\n");
  const std::string env = "TRELLIS_DATA_DIR=" + data.string();
  auto read_sets = [](const std::filesystem::path& file) {
    const toml::table t = toml::parse_file(file.string());
    std::map<std::string, std::vector<std::string>> sets;
    for (const char* key : {"train", "val", "test"})
      for (const auto& item : *t[key].as_array()) sets[key].push_back(*item.value<std::string>());
    return sets;
  };
  auto r = run_trellis("run " + config.string() + " --out " + (dir.path() / "a").string(), env);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("split (simulation, seed 1)"));
  const auto a = read_sets(dir.path() / "a" / "split.toml");
  std::set<std::string> all;
  std::size_t total = 0;
  for (const auto& [key, names] : a) {
    all.insert(names.begin(), names.end());
    total += names.size();
  }
  CHECK(all.size() == 33);  // 18 singles + 15 doubles, each in exactly one set
  CHECK(total == 33);
  CHECK_FALSE(a.at("test").empty());
  CHECK(std::filesystem::exists(dir.path() / "a" / "preprocessed.bin"));

  r = run_trellis("run " + config.string() + " --out " + (dir.path() / "b").string(), env);
  REQUIRE(r.exit_code == 0);
  CHECK(read_sets(dir.path() / "b" / "split.toml") == a);  // same seed, same split
  r = run_trellis("run " + config.string() + " --set seed=2 --out " + (dir.path() / "c").string(), env);
  REQUIRE(r.exit_code == 0);
  CHECK(read_sets(dir.path() / "c" / "split.toml") != a);

  r = run_trellis("run " + config.string() + " --set split.type=simulaton --out " + (dir.path() / "d").string(), env);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("unknown splitter component 'splitter/simulaton'. Did you mean 'splitter/simulation'?"));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "d"));
}
