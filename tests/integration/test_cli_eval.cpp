// `trellis eval` end to end on the real Norman19 data: a baseline's own
// predictions.h5ad scored by `eval` must give exactly the metrics `run`
// computed; every bad input is refused with a message that names it and
// leaves no output folder; a bench scores a predictions file like a model.
#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "support.hpp"
#include "trellis/io/h5ad.hpp"

namespace fs = std::filesystem;
using trellis::test::run_trellis;
using trellis::test::TempDir;
using trellis::test::read_text;
using Catch::Contains;

namespace {

const std::string configs = std::string(TRELLIS_SOURCE_DIR) + "/configs";


// The mean baseline on Norman19 (split seed 1), run once by `trellis run`;
// sampling is off so that run and eval compute the same metrics.
struct BaselineRun {
  TempDir dir;
  std::string env;
  fs::path config;
  fs::path run;
  trellis::sdk::AnnData predictions;

  explicit BaselineRun(const fs::path& data) : env("TRELLIS_DATA_DIR=" + data.string()) {
    config = dir.write("mean.toml", "extends = [\"" + configs + "/data/norman19.toml\", \"" + configs +
                                        "/models/mean.toml\"]\nseed = 1\n[eval]\nsample_cells = 0\n");
    run = dir.path() / "run";
    const auto r = run_trellis("--threads 1 run " + config.string() + " --out " + run.string(), env);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    predictions = trellis::core::io::read_h5ad(run / "predictions.h5ad");
  }

  trellis::test::CommandResult eval(const fs::path& file, const fs::path& out) const {
    return run_trellis("--threads 1 eval --predictions " + file.string() + " --config " + config.string() + " --out " +
                           out.string(),
                       env);
  }

  fs::path write(const trellis::sdk::AnnData& data, const std::string& name) const {
    const fs::path file = dir.path() / name;
    trellis::core::io::write_h5ad(data, file);
    return file;
  }

  std::size_t column_of(const std::string& gene) const {
    const auto& names = predictions.var.index;
    return static_cast<std::size_t>(std::find(names.begin(), names.end(), gene) - names.begin());
  }
};

// Nothing of a failed eval is left: neither the folder nor its hidden
// temporary sibling.
void check_nothing_written(const fs::path& out) {
  CHECK_FALSE(fs::exists(out));
  for (const auto& entry : fs::directory_iterator(out.parent_path()))
    CHECK(entry.path().filename().string().find(".partial.") == std::string::npos);
}

std::vector<std::int64_t> range(std::int64_t from, std::int64_t to) {
  std::vector<std::int64_t> out;
  for (std::int64_t i = from; i < to; ++i) out.push_back(i);
  return out;
}

// Writes one value of a written file's X/data in place: the Trellis writer
// refuses NaN, as it should, so the test plants it afterwards.
void poke_x(const fs::path& file, std::size_t index, float value) {
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  REQUIRE(f >= 0);
  const hid_t d = H5Dopen2(f, "X/data", H5P_DEFAULT);
  REQUIRE(d >= 0);
  const hid_t space = H5Dget_space(d);
  const hsize_t start = index, count = 1;
  H5Sselect_hyperslab(space, H5S_SELECT_SET, &start, nullptr, &count, nullptr);
  const hid_t memory = H5Screate_simple(1, &count, nullptr);
  CHECK(H5Dwrite(d, H5T_NATIVE_FLOAT, memory, space, H5P_DEFAULT, &value) >= 0);
  H5Sclose(memory);
  H5Sclose(space);
  H5Dclose(d);
  H5Fclose(f);
}

}  // namespace

TEST_CASE("eval: scoring run's own predictions.h5ad gives run's metrics exactly", "[eval][cli]") {
  TRELLIS_REQUIRE_DATA(data);
  const BaselineRun b(data);
  const fs::path out = b.dir.path() / "eval";
  fs::create_directories(out);  // an empty folder may be the output
  const auto r = b.eval(b.run / "predictions.h5ad", out);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("pearson_delta") && Contains("unseen_single") && Contains("Scored ") &&
                           Contains(" test conditions x 500 genes"));
  // The same evaluator and writers: byte-identical files.
  for (const char* file : {"metrics.json", "metrics.csv", "top_de.csv", "split.toml"}) {
    INFO(file);
    CHECK(read_text(out / file) == read_text(b.run / file));
  }
  const auto metrics = nlohmann::json::parse(read_text(out / "metrics.json"));
  CHECK(metrics["overall"].contains("mse"));
  CHECK(metrics["conditions"].size() == b.predictions.obs.size());
  for (const char* file : {"config.toml", "plugins.toml", "predictions.h5ad", "run.json"}) CHECK(fs::exists(out / file));
  const auto info = nlohmann::json::parse(read_text(out / "run.json"));
  CHECK(info["command"] == "eval");
  CHECK(info["values"] == "log-normalised (used as is)");
  CHECK(info["ignored_rows"] == 0);
  CHECK(info["split"]["seed"] == 1);
  const auto rescored = trellis::core::io::read_h5ad(out / "predictions.h5ad");
  CHECK(rescored.obs.index == b.predictions.obs.index);
  CHECK(rescored.X.values.size() == b.predictions.X.values.size());
  CHECK(std::equal(rescored.X.values.begin(), rescored.X.values.end(), b.predictions.X.values.begin()));
}

TEST_CASE("eval: rows and genes in any order, other spellings and extra rows give the same metrics", "[eval][cli]") {
  TRELLIS_REQUIRE_DATA(data);
  const BaselineRun b(data);
  trellis::sdk::AnnData p = b.predictions;
  const std::int64_t n = p.X.rows, g = p.X.cols;
  // Rows reversed, genes reversed.
  std::vector<std::int64_t> rows = range(0, n), genes = range(0, g);
  std::reverse(rows.begin(), rows.end());
  std::reverse(genes.begin(), genes.end());
  p.X = p.X.select_rows(rows).select_cols(genes);
  p.obs = p.obs.select(rows);
  p.var = p.var.select(genes);
  // A combination spelled with its genes swapped names the same condition.
  std::vector<std::string> labels;
  for (std::size_t i = 0; i < p.obs.size(); ++i) labels.push_back(p.obs.column("condition", "obs").text(i));
  std::string swapped, original;
  for (auto& label : labels) {
    const auto plus = label.find('+');
    if (plus == std::string::npos) continue;
    original = label;
    label = label.substr(plus + 1) + "+" + label.substr(0, plus);
    swapped = label;
    break;
  }
  REQUIRE_FALSE(swapped.empty());
  // The control row and an unknown label are not test conditions: ignored.
  labels.push_back("control");
  labels.push_back("NOT_A_GENE");
  trellis::sdk::AnnData all = p;
  all.X = p.X.select_rows([&] {
    auto r = range(0, n);
    r.push_back(0);
    r.push_back(1);
    return r;
  }());
  all.obs = p.obs.select([&] {
    auto r = range(0, n);
    r.push_back(0);
    r.push_back(1);
    return r;
  }());
  all.obs.index = labels;
  all.obs.set("condition", trellis::sdk::Column::from_strings(labels));
  const fs::path out = b.dir.path() / "eval";
  const auto r = b.eval(b.write(all, "shuffled.h5ad"), out);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("2 rows are not test conditions of the split and ignored: control, NOT_A_GENE"));
  CHECK_THAT(r.output, Contains("row '" + swapped + "' is scored as the test condition '" + original + "'"));
  CHECK(read_text(out / "metrics.json") == read_text(b.run / "metrics.json"));
  CHECK(read_text(out / "metrics.csv") == read_text(b.run / "metrics.csv"));
  CHECK(nlohmann::json::parse(read_text(out / "run.json"))["ignored_rows"] == 2);
}

TEST_CASE("eval: missing test conditions are named, with the nearest for a misspelt row", "[eval][cli]") {
  TRELLIS_REQUIRE_DATA(data);
  const BaselineRun b(data);
  trellis::sdk::AnnData p = b.predictions;
  const std::int64_t n = p.X.rows;
  REQUIRE(n > 7);
  const std::string dropped = p.obs.index[0], misspelt = p.obs.index[1];
  // Row 0 gone, row 1 misspelt (one letter changed).
  const auto keep = range(1, n);
  p.X = p.X.select_rows(keep);
  p.obs = p.obs.select(keep);
  std::string bad = misspelt;
  bad[0] = bad[0] == 'X' ? 'Y' : 'X';
  std::vector<std::string> labels = p.obs.index;
  labels[0] = bad;
  p.obs.set("condition", trellis::sdk::Column::from_strings(labels));
  const fs::path out = b.dir.path() / "eval";
  const auto r = b.eval(b.write(p, "missing.h5ad"), out);
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("missing.h5ad: 2 of the split's " + std::to_string(n) +
                                " test conditions have no row in obs['condition']: '" + dropped + "', '" + misspelt +
                                "'"));
  CHECK_THAT(r.output, Contains("1 row names no condition of the data: '" + bad + "' (did you mean '" + misspelt + "'?)"));
  CHECK_THAT(r.output, Contains("Predict every test condition of the experiment's split"));
  check_nothing_written(out);
}

TEST_CASE("eval: misnamed and extra genes are named with the nearest measured gene", "[eval][cli]") {
  TRELLIS_REQUIRE_DATA(data);
  const BaselineRun b(data);
  trellis::sdk::AnnData p = b.predictions;
  const std::string gene = p.var.index[3];
  p.var.index[3] = gene + "X";  // a typo: the gene is then missing too
  const fs::path out = b.dir.path() / "eval";
  const auto r = b.eval(b.write(p, "misnamed.h5ad"), out);
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("misnamed.h5ad: the genes (var names) do not match the experiment's 500 measured genes; "
                                "1 is not a measured gene: '" + gene + "X' (did you mean '" + gene +
                                "'?); 1 measured gene has no column: '" + gene + "'"));
  CHECK_THAT(r.output, Contains("Give one column per measured gene, named by its symbol (any order)"));
  check_nothing_written(out);

  // Extra genes beyond the measured ones: named and counted (first five).
  trellis::sdk::AnnData wide = b.predictions;
  wide.X = wide.X.select_cols([&] {
    auto c = range(0, wide.X.cols);
    for (int i = 0; i < 7; ++i) c.push_back(i);
    return c;
  }());
  for (int i = 0; i < 7; ++i) wide.var.index.push_back("EXTRA" + std::to_string(i));
  const auto r2 = b.eval(b.write(wide, "wide.h5ad"), out);
  INFO(r2.output);
  CHECK(r2.exit_code == 1);
  CHECK_THAT(r2.output, Contains("7 are not measured genes: 'EXTRA0', 'EXTRA1', 'EXTRA2', 'EXTRA3', 'EXTRA4' and 2 more") &&
                            !Contains("no column"));
  check_nothing_written(out);
}

TEST_CASE("eval: missing genes are named and counted", "[eval][cli]") {
  TRELLIS_REQUIRE_DATA(data);
  const BaselineRun b(data);
  trellis::sdk::AnnData p = b.predictions;
  // The last 6 genes dropped.
  const auto keep = range(0, p.X.cols - 6);
  p.X = p.X.select_cols(keep);
  p.var = p.var.select(keep);
  const auto& names = b.predictions.var.index;
  const fs::path out = b.dir.path() / "eval";
  const auto r = b.eval(b.write(p, "narrow.h5ad"), out);
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("narrow.h5ad: the genes (var names) do not match the experiment's 500 measured genes; "
                                "6 measured genes have no column: '" + names[494] + "', '" + names[495] + "', '" +
                                names[496] + "', '" + names[497] + "', '" + names[498] + "' and 1 more"));
  check_nothing_written(out);
}

TEST_CASE("eval: a missing condition column says how to add one", "[eval][cli]") {
  TRELLIS_REQUIRE_DATA(data);
  const BaselineRun b(data);
  trellis::sdk::AnnData p = b.predictions;
  p.obs.columns.erase("condition");
  p.obs.column_order.erase(std::find(p.obs.column_order.begin(), p.obs.column_order.end(), "condition"));
  const fs::path out = b.dir.path() / "eval";
  const auto r = b.eval(b.write(p, "no_column.h5ad"), out);
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("no_column.h5ad: obs has no column 'condition' (obs columns: subgroup); add one") &&
                           Contains("adata.obs['condition'] = adata.obs_names"));
  check_nothing_written(out);
}

TEST_CASE("eval: a NaN value is named by its condition and gene", "[eval][cli]") {
  TRELLIS_REQUIRE_DATA(data);
  const BaselineRun b(data);
  const fs::path file = b.write(b.predictions, "nan.h5ad");
  // Dense CSR: value (row, column) is at row * 500 + column.
  poke_x(file, 2 * 500 + 17, std::numeric_limits<float>::quiet_NaN());
  poke_x(file, 3 * 500 + 1, std::numeric_limits<float>::infinity());
  const fs::path out = b.dir.path() / "eval";
  const auto r = b.eval(file, out);
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("nan.h5ad: the prediction for condition '" + b.predictions.obs.index[2] + "' at gene '" +
                                b.predictions.var.index[17] +
                                "' is NaN (2 non-finite values in the test conditions' rows); every predicted value "
                                "must be a finite number"));
  check_nothing_written(out);
}

TEST_CASE("eval: bad command-line inputs are refused before any work", "[eval][cli]") {
  TRELLIS_REQUIRE_DATA(data);
  TempDir dir;
  const std::string env = "TRELLIS_DATA_DIR=" + data.string();
  const fs::path config = configs + "/experiments/mean_norman19.toml";
  const fs::path out = dir.path() / "eval";
  auto r = run_trellis("eval --predictions " + (dir.path() / "none.h5ad").string() + " --config " + config.string() +
                           " --out " + out.string(),
                       env);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("--predictions '" + (dir.path() / "none.h5ad").string() + "' does not exist"));
  check_nothing_written(out);

  const fs::path csv = dir.write("p.csv", "condition,A\n");
  r = run_trellis("eval --predictions " + csv.string() + " --config " + config.string() + " --out " + out.string(), env);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("p.csv': use an .h5ad file"));
  check_nothing_written(out);

  // An existing output folder with files in it is not overwritten.
  const fs::path used = dir.path() / "used";
  dir.write("used/keep.txt", "mine");
  const fs::path h5ad = dir.write("p.h5ad", "not hdf5");
  r = run_trellis("eval --predictions " + h5ad.string() + " --config " + config.string() + " --out " + used.string(), env);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Contains("output folder '" + used.string() + "' already exists and is not empty"));
  CHECK(read_text(used / "keep.txt") == "mine");
}

TEST_CASE("eval: a bench scores a predictions file like a model", "[eval][bench][cli]") {
  TRELLIS_REQUIRE_DATA(data);
  const BaselineRun b(data);
  // The bench's own mean cell (seed 1) and the same predictions from a file.
  fs::create_directories(b.dir.path() / "preds/norman19");
  fs::copy_file(b.run / "predictions.h5ad", b.dir.path() / "preds/norman19/mean_1.h5ad");
  const auto bench = b.dir.write("bench.toml", "name = 'files'\nexperiments = ['" + configs +
                                                   "/models/mean.toml']\ndatasets = ['" + configs +
                                                   "/data/norman19.toml']\nseeds = [1]\nbaselines = ['mean']\n"
                                                   "[[predictions]]\nname = 'mean_file'\n"
                                                   "file = 'preds/{dataset}/mean_{seed}.h5ad'\n"
                                                   "[set.eval]\nsample_cells = 0\n");
  const fs::path out = b.dir.path() / "bench";
  const auto r = run_trellis("bench " + bench.string() + " --out " + out.string() + " --jobs 2", b.env);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const fs::path cell = out / "cells/norman19/simulation/mean_file/seed1";
  CHECK_THAT(read_text(cell / "cell.toml"), Contains("Scores the predictions") && !Contains("models/mean.toml"));
  CHECK(read_text(cell / "run/metrics.json") == read_text(b.run / "metrics.json"));
  // results.csv: the file's rows are the model's rows with its label.
  const std::string csv = read_text(out / "results.csv");
  std::string model_rows, file_rows;
  std::istringstream lines(csv);
  for (std::string line; std::getline(lines, line);) {
    if (line.find(",pooled,") != std::string::npos) continue;  // the significance rows, below
    if (line.rfind("mean,", 0) == 0) model_rows += line.substr(5) + "\n";
    if (line.rfind("mean_file,", 0) == 0) file_rows += line.substr(10) + "\n";
  }
  CHECK_FALSE(file_rows.empty());
  CHECK(file_rows == model_rows);
  // The same predictions: every paired difference against the baseline is 0.
  CHECK_THAT(csv, Contains("mean_file,norman19,simulation,pooled,vs mean,mse:mean_difference,0\n") &&
                      Contains("mean_file,norman19,simulation,pooled,vs mean,mse:p_value,1\n"));
  CHECK_THAT(read_text(out / "summary.md"), Contains("| mean_file |") && Contains("mean (baseline)"));
  CHECK_THAT(read_text(out / "report.html"), Contains("mean_file"));
}
