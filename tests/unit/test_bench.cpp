// Bench: config parsing and its errors, cell ids and folders, cell.toml,
// aggregation of hand-written cell folders, CSV, stats, ranks, summary.md.
#include <cmath>
#include <fstream>

#include <toml++/toml.h>

#include "catch.hpp"
#include "plugin_support.hpp"
#include "support.hpp"
#include "trellis/util/csv.hpp"
#include "trellis/bench/bench.hpp"
#include "trellis/bench/bench_config.hpp"
#include "trellis/bench/cells.hpp"
#include "trellis/bench/results.hpp"
#include "trellis/bench/significance.hpp"
#include "trellis/bench/summary.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/util/atomic_file.hpp"

using namespace trellis::core::bench;
using trellis::test::TempDir;
using Catch::Contains;
namespace fs = std::filesystem;

namespace {

// A bench folder with a model and two data configs (no ${} variables, so no data is needed).
struct BenchFiles {
  TempDir dir;
  BenchFiles() {
    dir.write("models/no_change.toml", "[model.predictor]\ntype = 'predictor/no_change'\n");
    dir.write("models/mean.toml", "[model.predictor]\ntype = 'predictor/mean'\n");
    dir.write("data/screen_a.toml", "[data]\nname = 'alpha'\npath = '/nowhere/a.h5ad'\n[split]\ntype = 'single'\n");
    dir.write("data/screen_b.toml", "[data]\npath = '/nowhere/b.h5ad'\n");
  }
  fs::path bench(const std::string& text) const { return dir.write("bench/b.toml", text); }
};

const std::string kGrid =
    "experiments = ['../models/no_change.toml', '../models/mean.toml']\n"
    "datasets = ['../data/screen_a.toml', '../data/screen_b.toml']\n";

std::string error_of(const fs::path& file, const std::vector<std::string>& overrides = {}) {
  try {
    parse_bench_config(file, overrides);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("bench config: grid, labels, defaults and [report]", "[bench]") {
  BenchFiles f;
  const auto file = f.bench(kGrid + "seeds = [3, 1]\nbaselines = ['no_change']\nmetrics = ['mse']\n"
                                    "[set]\nthreads = 1\n[report]\nmetric = 'mse'\nconditions = 2\n");
  const BenchConfig c = parse_bench_config(file);
  CHECK(c.name == "b");  // file stem when `name` is absent
  REQUIRE(c.experiments.size() == 2);
  CHECK(c.experiments[0].label == "no_change");
  CHECK(c.experiments[1].label == "mean");
  CHECK(c.experiments[1].config == fs::weakly_canonical(f.dir.path() / "models/mean.toml"));
  REQUIRE(c.datasets.size() == 2);
  CHECK(c.datasets[0].label == "alpha");   // [data].name
  CHECK(c.datasets[0].split == "single");  // [split].type
  CHECK(c.datasets[1].label == "screen_b");  // file stem
  CHECK(c.datasets[1].split == "simulation");
  CHECK(c.seeds == std::vector<std::int64_t>{3, 1});
  CHECK(c.metrics == std::vector<std::string>{"mse"});
  CHECK(c.is_baseline("no_change"));
  CHECK_FALSE(c.is_baseline("mean"));
  CHECK(c.set["threads"].value<std::int64_t>() == 1);
  CHECK(c.report.metric == "mse");
  CHECK(c.report.conditions == 2);
  CHECK(c.report.headline.front() == "mse");

  // --set overrides keys of the bench file.
  const BenchConfig one = parse_bench_config(file, {"seeds=[7]", "report.conditions=0"});
  CHECK(one.seeds == std::vector<std::int64_t>{7});
  CHECK(one.report.conditions == 0);
  CHECK_THAT(error_of(file, {"seed=[7]"}), Contains("--set seed=[7]: unknown key 'seed'"));
}

TEST_CASE("bench config: errors name the file and key and say how to fix them", "[bench]") {
  BenchFiles f;
  CHECK_THAT(error_of(f.bench("experiments = ['../models/nope.toml']\ndatasets = ['../data/screen_a.toml']\nseeds = [1]\n")),
             Contains("experiment config '../models/nope.toml' does not exist") && Contains("models/nope.toml") &&
                 Contains("b.toml"));
  CHECK_THAT(error_of(f.bench("experiments = ['../models/mean.toml']\ndatasets = ['../data/gone.toml']\nseeds = [1]\n")),
             Contains("dataset config '../data/gone.toml' does not exist"));
  CHECK_THAT(error_of(f.bench(kGrid + "seeds = []\n")), Contains("'seeds' is empty"));
  CHECK_THAT(error_of(f.bench(kGrid)), Contains("'seeds' is missing"));
  CHECK_THAT(error_of(f.bench(kGrid + "seeds = [1, 1]\n")), Contains("seed 1 is listed twice"));
  CHECK_THAT(error_of(f.bench(kGrid + "seeds = ['x']\n")), Contains("non-negative integers"));
  CHECK_THAT(error_of(f.bench(kGrid + "seed = [1]\n")), Contains("unknown key 'seed'; did you mean 'seeds'?"));
  CHECK_THAT(error_of(f.bench(kGrid + "seeds = [1]\n[report]\nmetrc = 'mse'\n")),
             Contains("[report]: unknown key 'metrc'; did you mean 'metric'?"));
  CHECK_THAT(error_of(f.bench(kGrid + "seeds = [1]\nbaselines = ['linear']\n")),
             Contains("baseline 'linear' is listed in 'baselines' but no experiment is labelled 'linear'") &&
                 Contains("../models/linear.toml"));
  CHECK_THAT(error_of(f.bench(kGrid + "seeds = [1]\n[eval]\nrelative_to = 'perturbed_mean'\n")),
             Contains("[eval] relative_to = 'perturbed_mean' names no experiment of the bench") &&
                 Contains("Experiments: no_change, mean") && Contains("\"../models/perturbed_mean.toml\""));
  CHECK_THAT(error_of(f.bench(kGrid + "seeds = [1]\n[eval]\nrelativ_to = 'mean'\n")),
             Contains("[eval]: unknown key 'relativ_to'; did you mean 'relative_to'?"));
  CHECK(parse_bench_config(f.bench(kGrid + "seeds = [1]\n[eval]\nrelative_to = 'mean'\n")).relative_to == "mean");
  CHECK_THAT(error_of(f.bench("experiments = ['../models/mean.toml', '../models/mean.toml']\n"
                              "datasets = ['../data/screen_a.toml']\nseeds = [1]\n")),
             Contains("two experiments are labelled 'mean'"));
  CHECK_THAT(error_of(f.bench("experiments = []\ndatasets = ['../data/screen_a.toml']\nseeds = [1]\n")),
             Contains("'experiments' is empty"));
  CHECK_THAT(error_of(f.bench("datasets = ['../data/screen_a.toml']\nseeds = [1]\n")), Contains("'experiments' is missing"));
  CHECK_THAT(error_of(f.bench(kGrid + "seeds = [1]\n[report]\nconditions = -1\n")),
             Contains("[report] conditions must be an integer from 0 to 100"));
  CHECK_THAT(error_of(f.dir.path() / "missing.toml"), Contains("missing.toml' does not exist"));
  CHECK_THAT(error_of(f.bench("seeds = [1\n")), Contains("b.toml': line"));
}

TEST_CASE("bench cells: ids, folders, the grid and cell.toml", "[bench]") {
  const CellId id{"linear", "norman19", "simulation", 2};
  CHECK(describe(id) == "linear norman19/simulation seed 2");
  const fs::path dir = cell_dir("/out", id);
  CHECK(dir == fs::path("/out/cells/norman19/simulation/linear/seed2"));
  CellId back;
  REQUIRE(parse_cell_dir(dir, back));
  CHECK(back == id);
  CHECK_FALSE(parse_cell_dir("/out/cells/a/b/c/seedx", back));
  CHECK_FALSE(parse_cell_dir("/out/cells/a/b/c/run", back));

  BenchFiles f;
  const BenchConfig c = parse_bench_config(
      f.bench(kGrid + "seeds = [1, 2, 3]\n[set]\nthreads = 1\n[set.model.predictor]\nridge = 0.5\n"));
  const auto cells = plan_cells(c);
  REQUIRE(cells.size() == 12);  // 2 datasets x 2 experiments x 3 seeds
  CHECK(cells[0].id == CellId{"no_change", "alpha", "single", 1});
  CHECK(cells[3].id == CellId{"mean", "alpha", "single", 1});
  CHECK(cells[11].id == CellId{"mean", "screen_b", "simulation", 3});

  const toml::table t = toml::parse(cell_toml(c, cells[4]));  // mean, alpha, seed 2
  const auto* extends = t["extends"].as_array();
  REQUIRE(extends);
  REQUIRE(extends->size() == 2);
  CHECK(*extends->get(0)->value<std::string>() == (f.dir.path() / "data/screen_a.toml").string());
  CHECK(*extends->get(1)->value<std::string>() == (f.dir.path() / "models/mean.toml").string());
  CHECK(t["seed"].value<std::int64_t>() == 2);
  CHECK(t["split"]["seed"].value<std::int64_t>() == 2);
  CHECK(t["threads"].value<std::int64_t>() == 1);
  CHECK(t["model"]["predictor"]["ridge"].value<double>() == 0.5);
}

TEST_CASE("bench config: [[predictions]] entries become cells scored by trellis eval", "[bench]") {
  BenchFiles f;
  // Files for both datasets (labels alpha and screen_b) and seeds 1 and 2.
  for (const char* d : {"alpha", "screen_b"})
    for (int seed : {1, 2}) f.dir.write("bench/preds/" + std::string(d) + "_" + std::to_string(seed) + ".h5ad", "x");
  const std::string entry = "[[predictions]]\nname = 'gears_python'\nfile = 'preds/{dataset}_{seed}.h5ad'\n";
  const BenchConfig c =
      parse_bench_config(f.bench(kGrid + "seeds = [1, 2]\nbaselines = ['gears_python']\n" + entry));
  REQUIRE(c.predictions.size() == 1);
  CHECK(c.predictions[0].label == "gears_python");
  CHECK(c.predictions[0].file_for("alpha", 2) == f.dir.path() / "bench/preds/alpha_2.h5ad");
  CHECK(c.labels() == std::vector<std::string>{"no_change", "mean", "gears_python"});
  CHECK(c.is_baseline("gears_python"));

  const auto cells = plan_cells(c);
  REQUIRE(cells.size() == 12);  // 2 datasets x (2 experiments + 1 entry) x 2 seeds
  CHECK(cells[4].id == CellId{"gears_python", "alpha", "single", 1});
  CHECK(cells[4].scores_predictions());
  CHECK(cells[4].predictions == f.dir.path() / "bench/preds/alpha_1.h5ad");
  CHECK_FALSE(cells[3].scores_predictions());
  CHECK(cells[11].predictions == f.dir.path() / "bench/preds/screen_b_2.h5ad");
  // The cell's config is the dataset's alone: no model to build.
  const std::string text = cell_toml(c, cells[5]);
  CHECK_THAT(text, Contains("# Scores the predictions " + (f.dir.path() / "bench/preds/alpha_2.h5ad").string()));
  const toml::table t = toml::parse(text);
  REQUIRE(t["extends"].as_array()->size() == 1);
  CHECK(*t["extends"][0].value<std::string>() == (f.dir.path() / "data/screen_a.toml").string());
  CHECK(t["seed"].value<std::int64_t>() == 2);
  CHECK(t["split"]["seed"].value<std::int64_t>() == 2);

  // Predictions alone, without experiments, make a bench too.
  const BenchConfig alone = parse_bench_config(f.bench("datasets = ['../data/screen_a.toml']\nseeds = [1]\n" + entry));
  CHECK(alone.experiments.empty());
  CHECK(plan_cells(alone).size() == 1);
}

TEST_CASE("bench config: [[predictions]] errors name the entry, file, dataset and seed", "[bench]") {
  BenchFiles f;
  f.dir.write("bench/preds/alpha_1.h5ad", "x");
  f.dir.write("bench/preds/screen_b_1.h5ad", "x");
  const auto with = [&](const std::string& entry, const std::string& seeds = "[1]") {
    return error_of(f.bench(kGrid + "seeds = " + seeds + "\n" + entry));
  };
  CHECK_THAT(with("[[predictions]]\nname = 'p'\nfile = 'preds/{dataset}_{seed}.h5ad'\n", "[1, 2]"),
             Contains("[[predictions]] 'p': file '" + (f.dir.path() / "bench/preds/alpha_2.h5ad").string() +
                      "' does not exist (dataset alpha, seed 2;"));
  CHECK_THAT(with("[[predictions]]\nname = 'p'\nfile = 'preds/{data}_{seed}.h5ad'\n"),
             Contains("file 'preds/{data}_{seed}.h5ad' holds the unknown placeholder '{data}'; use {dataset}, {seed}"));
  CHECK_THAT(with("[[predictions]]\nfile = 'preds/alpha_1.h5ad'\n"),
             Contains("[[predictions]] entry 1: 'name' is missing"));
  CHECK_THAT(with("[[predictions]]\nname = 'p'\n"), Contains("[[predictions]] entry 1: 'file' is missing"));
  CHECK_THAT(with("[[predictions]]\nname = 'p'\nfiles = 'x'\n"),
             Contains("[[predictions]] entry 1: unknown key 'files'; did you mean 'file'?"));
  CHECK_THAT(with("[[predictions]]\nname = 'mean'\nfile = 'preds/{dataset}_1.h5ad'\n"),
             Contains("[[predictions]] name 'mean' is already the label of an experiment"));
  CHECK_THAT(with("predictions = 'preds/alpha_1.h5ad'\n"), Contains("'predictions' must be an array of tables"));
}

namespace {

void write_cell(const fs::path& out, const CellId& id, const std::string& metrics_json) {
  const fs::path run = cell_dir(out, id) / "run";
  fs::create_directories(run);
  std::ofstream(run / "metrics.json") << metrics_json;
}

std::string metrics(double mse, double pearson_delta, const std::string& extra = "") {
  char buffer[512];
  std::snprintf(buffer, sizeof buffer,
                "{\"overall\": {\"mse\": %.17g, \"pearson_delta\": %.17g, \"other\": 1%s},"
                " \"subgroups\": {\"combo_seen0\": {\"mse\": 0.125}},"
                " \"conditions\": {\"A+B\": {\"mse\": 0.5, \"pearson_delta\": null}},"
                " \"directions\": {\"mse\": \"lower_is_better\", \"pearson_delta\": \"higher_is_better\","
                " \"other\": \"higher_is_better\"}}",
                mse, pearson_delta, extra.c_str());
  return buffer;
}

// Experiments a, b and the baseline c on dataset d; c lacks seed 3.
//           mse               pearson_delta
//   a   .25 .5 .75          .5   .625 .75
//   b   .5  .5 .5           .75  .875 1
//   c   1   1.5             .125 .375
// By hand: mse     a 0.5 ± 0.25, b 0.5 ± 0, c 1.25 ± sqrt(.125) = 0.3536 (n=2)
//          pearson a 0.625 ± 0.125, b 0.875 ± 0.125, c 0.25 ± sqrt(.03125) = 0.1768 (n=2)
// Ranks:   mse (lower better): a and b tie for 1-2 -> 1.5 each, c 3
//          pearson_delta (higher better): b 1, a 2, c 3
// Mean:    b (1.5 + 1) / 2 = 1.25, a (1.5 + 2) / 2 = 1.75, c 3
void write_grid(const fs::path& out) {
  const double mse[3][3] = {{0.25, 0.5, 0.75}, {0.5, 0.5, 0.5}, {1.0, 1.5, -1}};
  const double pd[3][3] = {{0.5, 0.625, 0.75}, {0.75, 0.875, 1.0}, {0.125, 0.375, -1}};
  const char* names[3] = {"a", "b", "c"};
  for (int e = 0; e < 3; ++e)
    for (int s = 0; s < 3; ++s)
      if (mse[e][s] >= 0) write_cell(out, CellId{names[e], "d", "simulation", s + 1}, metrics(mse[e][s], pd[e][s]));
}

}  // namespace

TEST_CASE("bench results: aggregation of hand-written cells, stats, bold best, average ranks", "[bench]") {
  TempDir dir;
  write_grid(dir.path());
  // A failed cell and a cell folder that is neither finished nor failed.
  const fs::path failed = cell_dir(dir.path(), CellId{"x", "d", "simulation", 1});
  fs::create_directories(failed);
  std::ofstream(failed / "error.txt") << "status: exit 2\ncommand: trellis run\nlast lines of log.txt:\nstarting\nboom\n";
  fs::create_directories(cell_dir(dir.path(), CellId{"y", "d", "simulation", 1}));

  const BenchResults results = collect(dir.path());
  REQUIRE(results.cells.size() == 8);
  REQUIRE(results.failures.size() == 1);
  CHECK(results.failures[0].id == CellId{"x", "d", "simulation", 1});
  CHECK(results.failures[0].error == "exit 2: boom");
  CHECK(results.cells[0].conditions.at("A+B").count("pearson_delta") == 0);  // null = undefined, left out

  // `only` ignores cells outside the grid.
  CHECK(collect(dir.path(), {CellId{"a", "d", "simulation", 2}}).cells.size() == 1);

  const auto tables = build_tables(results, {"c", "b", "a"}, {"pearson_delta", "mse", "absent"});
  REQUIRE(tables.size() == 1);
  const GroupTable& t = tables[0];
  CHECK(t.experiments == std::vector<std::string>{"c", "b", "a"});
  CHECK(t.metrics == std::vector<std::string>{"pearson_delta", "mse"});
  CHECK(t.stats.at("a").at("mse").mean == Approx(0.5));
  CHECK(t.stats.at("a").at("mse").sd == Approx(0.25));
  CHECK(t.stats.at("b").at("mse").sd == 0);
  CHECK(t.stats.at("c").at("mse").n == 2);
  CHECK(t.stats.at("c").at("mse").sd == Approx(std::sqrt(0.125)));
  CHECK(t.best.at("mse") == std::vector<std::string>{"b", "a"});
  CHECK(t.best.at("pearson_delta") == std::vector<std::string>{"b"});
  CHECK(t.ranks.at("mse").at("a") == 1.5);
  CHECK(t.ranks.at("mse").at("b") == 1.5);
  CHECK(t.ranks.at("mse").at("c") == 3);
  REQUIRE(t.mean_ranks.size() == 3);
  CHECK(t.mean_ranks[0] == std::make_pair(std::string("b"), 1.25));
  CHECK(t.mean_ranks[1] == std::make_pair(std::string("a"), 1.75));
  CHECK(t.mean_ranks[2] == std::make_pair(std::string("c"), 3.0));

  const std::string md = summary_markdown(SummaryContext{"demo", {"c"}, 3}, tables, {}, results.failures);
  CHECK_THAT(md, Contains("## d / simulation"));
  CHECK_THAT(md, Contains("| experiment | pearson_delta ↑ | mse ↓ |"));
  CHECK_THAT(md, Contains("| c (baseline) | 0.25 ± 0.1768 (n=2) | 1.25 ± 0.3536 (n=2) |"));
  CHECK_THAT(md, Contains("| b | **0.875 ± 0.125** | **0.5 ± 0** |"));
  CHECK_THAT(md, Contains("| a | 0.625 ± 0.125 | **0.5 ± 0.25** |"));
  CHECK_THAT(md, Contains("| b | 1.25 |\n| a | 1.75 |\n| c (baseline) | 3 |"));
  CHECK_THAT(md, Contains("\nb ranks first overall on d / simulation.") && !Contains("The baseline b"));
  CHECK_THAT(md, Contains("| x | d | simulation | 1 | exit 2: boom |"));

  // With b as the baseline, the summary says that a baseline ranks first.
  const std::string md_b = summary_markdown(SummaryContext{"demo", {"b"}, 3}, tables, {}, {});
  CHECK_THAT(md_b, Contains("The baseline b ranks first overall on d / simulation."));
  CHECK_THAT(md_b, Contains("## Failed cells\n\nNone."));

  // Equal mean ranks: every tied experiment is named.
  GroupTable tied = t;
  tied.mean_ranks = {{"b", 1.5}, {"a", 1.5}, {"c", 3.0}};
  CHECK(first_place(tied, {"b"}) == "b (baseline) and a tie for first overall on d / simulation.");
  tied.mean_ranks = {};
  CHECK(first_place(tied, {"b"}).empty());
}

TEST_CASE("bench significance: network runs, without test conditions, pair over seeds", "[bench]") {
  // epr per seed 1..6: model 2, 3, 4, 5, 6, 7; random 1, 1.5, 1, 1.2, 0.9, 1.1.
  // Differences 1, 1.5, 3, 3.8, 5.1, 5.9: all positive and distinct, exact
  // Wilcoxon p = 2 / 2^6 = 0.03125. With seeds 1..5 only: 2 / 2^5 = 0.0625.
  TempDir dir;
  const std::vector<double> model = {2, 3, 4, 5, 6, 7}, random = {1, 1.5, 1, 1.2, 0.9, 1.1};
  for (std::int64_t seed = 1; seed <= 6; ++seed)
    for (const auto& [e, values] : {std::make_pair(std::string("m"), model), std::make_pair(std::string("r"), random)}) {
      char buffer[256];
      std::snprintf(buffer, sizeof buffer,
                    "{\"overall\": {\"epr\": %.17g}, \"subgroups\": {}, \"conditions\": {},"
                    " \"directions\": {\"epr\": \"higher_is_better\"}}",
                    values[static_cast<std::size_t>(seed - 1)]);
      write_cell(dir.path(), CellId{e, "d", "none", seed}, buffer);
    }
  const BenchResults results = collect(dir.path());
  const auto tables = build_tables(results, {"m", "r"}, {"epr"});
  const auto comparisons = compare_best_to_baselines(results, tables, {"r"});
  REQUIRE(comparisons.at(0).size() == 1);
  const Comparison& c = comparisons[0][0];
  CHECK(c.pairs == 6);
  CHECK(c.mean_difference == Approx((1 + 1.5 + 3 + 3.8 + 5.1 + 5.9) / 6));
  REQUIRE(c.p_value);
  CHECK(*c.p_value == Approx(0.03125));
}

TEST_CASE("bench significance: best model vs best baseline, paired over conditions and seeds", "[bench]") {
  // mse (lower is better) per condition, seeds 1 and 2:
  //   model m:     .1 .2 .3  |  .15 .25 .35
  //   baseline b:  .3 .5 .4  |  .2  .6  .9      (the worse baseline w: all 1)
  // Differences b - m (+ = the model is better): .2 .3 .1 .05 .35 .55, all
  // positive and distinct: exact Wilcoxon p = 2 / 2^6 = 0.03125; mean 1.55 / 6.
  // pearson_delta has one condition per seed: 2 pairs, too few for a test.
  TempDir dir;
  const auto cell = [&](const std::string& e, std::int64_t seed, std::vector<double> mse, double pd) {
    const double mean = (mse[0] + mse[1] + mse[2]) / 3;
    char buffer[1024];
    std::snprintf(buffer, sizeof buffer,
                  "{\"overall\": {\"mse\": %.17g, \"pearson_delta\": %.17g}, \"subgroups\": {},"
                  " \"conditions\": {\"C1\": {\"mse\": %.17g, \"pearson_delta\": %.17g}, \"C2\": {\"mse\": %.17g},"
                  " \"C3\": {\"mse\": %.17g}},"
                  " \"directions\": {\"mse\": \"lower_is_better\", \"pearson_delta\": \"higher_is_better\"}}",
                  mean, pd, mse[0], pd, mse[1], mse[2]);
    write_cell(dir.path(), CellId{e, "d", "simulation", seed}, buffer);
  };
  cell("m", 1, {0.1, 0.2, 0.3}, 0.5);
  cell("m", 2, {0.15, 0.25, 0.35}, 0.6);
  cell("b", 1, {0.3, 0.5, 0.4}, 0.4);
  cell("b", 2, {0.2, 0.6, 0.9}, 0.7);
  cell("w", 1, {1, 1, 1}, 0.1);
  cell("w", 2, {1, 1, 1}, 0.1);
  const BenchResults results = collect(dir.path());
  const auto tables = build_tables(results, {"m", "b", "w"}, {"mse", "pearson_delta"});
  trellis::test::LogCapture log;
  const auto comparisons = compare_best_to_baselines(results, tables, {"b", "w"});
  REQUIRE(comparisons.size() == 1);
  REQUIRE(comparisons[0].size() == 2);
  const Comparison& mse = comparisons[0][0];
  CHECK(mse.metric == "mse");
  CHECK(mse.model == "m");
  CHECK(mse.baseline == "b");
  CHECK(mse.pairs == 6);
  CHECK(mse.mean_difference == Approx(1.55 / 6));
  REQUIRE(mse.p_value);
  CHECK(*mse.p_value == Approx(0.03125));
  CHECK(mse.interval.low > 0.05);  // every resampled mean lies within [min, max] = [.05, .55]
  CHECK(mse.interval.high < 0.55);
  CHECK(mse.significantly_better() == "model");
  const Comparison& pd = comparisons[0][1];
  CHECK(pd.baseline == "b");  // the better baseline by seed mean (.55 vs .1)
  CHECK(pd.pairs == 2);
  CHECK_FALSE(pd.p_value);
  CHECK(pd.significantly_better().empty());
  CHECK_THAT(log.all(), Contains("m vs b on pearson_delta has 2 paired value(s)") &&
                             Contains("needs at least 5, so no p-value is given"));

  const std::string md = summary_markdown(SummaryContext{"demo", {"b", "w"}, 2}, tables, comparisons, {});
  CHECK_THAT(md, Contains("| m | **0.225 ± 0.03536**† |"));
  CHECK_THAT(md, Contains("| mse | m | b | 6 | 0.2583 | [") && Contains("| m better (p = 0.03125) |"));
  CHECK_THAT(md, Contains("| pearson_delta | m | b | 2 | 0 | [-0.1, 0.1] |") && Contains("too few pairs for a test (2 < 5)"));
  // Improvement over b per seed (lower mse is better): m .4 - .2 = .2 and
  // (.2 + .6 + .9) / 3 - .25 = .31667 -> mean .25833, sd .11667 / sqrt 2;
  // pearson_delta: +.1 and -.1 -> 0 ± .1414.
  auto relative = tables;
  add_improvements(relative, results, "b");
  CHECK(relative[0].improvement.count("b") == 0);
  CHECK(relative[0].improvement.at("m").at("mse").mean == Approx(0.258333).epsilon(1e-5));
  CHECK(relative[0].improvement.at("m").at("mse").sd == Approx(0.0825).epsilon(1e-3));
  CHECK(relative[0].improvement.at("m").at("pearson_delta").mean == Approx(0.0).margin(1e-12));
  CHECK(relative[0].improvement.at("w").at("mse").mean == Approx(-(0.6 + 0.43333) / 2).epsilon(1e-4));
  CHECK_THAT(summary_markdown(SummaryContext{"demo", {"b", "w"}, 2}, relative, comparisons, {}),
             Contains("Improvement over b: per seed") && Contains("| m | 0.2583 ± 0.0825 | 0 ± 0.1414 |"));
  const std::string csv = significance_csv_rows(tables, comparisons);
  CHECK_THAT(csv, Contains("m,d,simulation,pooled,vs b,mse:pairs,6\n"));
  CHECK_THAT(csv, Contains("m,d,simulation,pooled,vs b,mse:p_value,0.03125\n"));
  CHECK_THAT(csv, !Contains("pearson_delta:p_value"));
}

TEST_CASE("bench results: average ranks with ties, mean and sd", "[bench]") {
  // Lower is better: 1 -> 1, 2 -> 2, the two 3s share ranks 3 and 4 -> 3.5.
  CHECK(average_ranks({3, 1, 3, 2}, Direction::lower_is_better) == std::vector<double>{3.5, 1, 3.5, 2});
  // Higher is better: the two 3s share 1 and 2 -> 1.5, then 2 -> 3, 1 -> 4.
  CHECK(average_ranks({3, 1, 3, 2}, Direction::higher_is_better) == std::vector<double>{1.5, 4, 1.5, 3});
  // Three-way tie: ranks 1, 2, 3 -> 2.
  CHECK(average_ranks({5, 5, 5}, Direction::higher_is_better) == std::vector<double>{2, 2, 2});
  // Equal up to rounding is a tie.
  CHECK(average_ranks({0.1 + 0.2, 0.3}, Direction::lower_is_better) == std::vector<double>{1.5, 1.5});
  // mean 2, sd = sqrt(((1-2)^2 + 0 + (3-2)^2) / 2) = 1
  const Stat s = mean_sd({1, 2, 3});
  CHECK(s.mean == 2);
  CHECK(s.sd == 1);
  CHECK(std::isnan(mean_sd({4}).sd));
  CHECK(format_stat(mean_sd({4})) == "4");
  CHECK(format_stat(Stat{0.123456, 0.0123456, 3}) == "0.1235 ± 0.01235");
  CHECK(format_stat(Stat{0.5, 7.85e-17, 3}) == "0.5 ± 0");  // rounding noise of equal values
}

TEST_CASE("bench results: results.csv and failures.csv exact content", "[bench]") {
  TempDir dir;
  write_cell(dir.path(), CellId{"a", "d", "simulation", 1},
             "{\"overall\": {\"pearson\": 0.25, \"mse\": 0.5, \"undefined\": null}, "
             "\"subgroups\": {\"combo_seen0\": {\"mse\": 0.125}}, \"directions\": {}}");
  write_cell(dir.path(), CellId{"b,c", "d", "simulation", 10}, "{\"overall\": {\"mse\": 0.1}}");
  const BenchResults results = collect(dir.path());
  CHECK(results_csv(tidy_rows(results)) ==
        "experiment,dataset,split,seed,subgroup,metric,value\n"
        "a,d,simulation,1,all,mse,0.5\n"
        "a,d,simulation,1,all,pearson,0.25\n"
        "a,d,simulation,1,combo_seen0,mse,0.125\n"
        "\"b,c\",d,simulation,10,all,mse,0.1\n");
  CHECK(results_csv(tidy_rows(results, {"pearson"})) ==
        "experiment,dataset,split,seed,subgroup,metric,value\n"
        "a,d,simulation,1,all,pearson,0.25\n");
  CHECK(failures_csv({CellFailure{CellId{"m", "d", "s", 2}, "exit 1: said \"no\", twice"}}) ==
        "experiment,dataset,split,seed,error\nm,d,s,2,\"exit 1: said \"\"no\"\", twice\"\n");
  CHECK(trellis::core::util::csv_field("plain") == "plain");
  CHECK(trellis::core::util::csv_field("a,\"b\"") == "\"a,\"\"b\"\"\"");
  CHECK(format_double(0.1) == "0.1");
  CHECK(format_double(1.0 / 3) == "0.3333333333333333");
}

TEST_CASE("bench results: malformed metrics.json names the file", "[bench]") {
  TempDir dir;
  write_cell(dir.path(), CellId{"a", "d", "simulation", 1}, "{\"overall\": ");
  CHECK_THROWS_WITH(collect(dir.path()), Contains("a/seed1/run/metrics.json' is not valid JSON"));
  write_cell(dir.path(), CellId{"a", "d", "simulation", 1}, "{\"overall\": {\"mse\": \"high\"}}");
  CHECK_THROWS_WITH(collect(dir.path()), Contains("overall.mse must be a number"));
}

TEST_CASE("bench outputs: the grid's files are written from its cell folders", "[bench]") {
  BenchFiles f;
  const BenchConfig c = parse_bench_config(f.bench(kGrid + "seeds = [1, 2]\nbaselines = ['mean']\n"));
  const fs::path out = f.dir.path() / "out";
  // One cell of the grid, one outside it (ignored).
  write_cell(out, CellId{"mean", "alpha", "single", 1}, metrics(0.5, 0.25));
  write_cell(out, CellId{"mean", "alpha", "single", 9}, metrics(0.5, 0.25));
  const BenchResults r = write_outputs(c, out, 2, "2026-01-01 00:00:00 UTC");
  CHECK(r.cells.size() == 1);
  const std::string csv = trellis::core::util::read_file(out / "results.csv");
  CHECK_THAT(csv, Contains("mean,alpha,single,1,all,mse,0.5\n") && !Contains(",9,"));
  CHECK(trellis::core::util::read_file(out / "failures.csv") == "experiment,dataset,split,seed,error\n");
  CHECK_THAT(trellis::core::util::read_file(out / "summary.md"),
             Contains("| mean (baseline) | **0.5 (n=1)** | **0.25 (n=1)** |") && Contains("ranks first overall"));
  CHECK_THAT(trellis::core::util::read_file(out / "report.html"), Contains("2026-01-01 00:00:00 UTC"));
}
