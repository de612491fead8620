// Bench report: SVG scales, ticks, escaping, box statistics, and the HTML
// page (self-contained, escaped names, plots present).
#include <cmath>
#include <fstream>

#include "catch.hpp"
#include "support.hpp"
#include "trellis/bench/cells.hpp"
#include "trellis/bench/report.hpp"
#include "trellis/bench/svg.hpp"

using namespace trellis::core::bench;
using trellis::test::TempDir;
using Catch::Contains;
namespace fs = std::filesystem;

TEST_CASE("bench svg: scales, ticks, labels, colours, escaping", "[bench]") {
  const svg::LinearScale x{0, 10, 100, 200};
  CHECK(x(5) == 150);
  CHECK(x(0) == 100);
  const svg::LinearScale y{0, 1, 300, 100};  // SVG y grows downwards
  CHECK(y(0.25) == 250);
  CHECK(svg::LinearScale{2, 2, 0, 10}(2) == 5);  // zero-width domain: the middle

  // raw step (0.97 - 0.03) / 5 = 0.188 -> 0.2; 0 .. 1 covers the data.
  const auto t = svg::nice_ticks(0.03, 0.97, 5);
  REQUIRE(t.size() == 6);
  CHECK(t.front() == 0);
  CHECK(t[1] == Approx(0.2));
  CHECK(t.back() == Approx(1.0));
  // raw step 3.4 / 5 = 0.68 -> 1; -2 .. 3.
  CHECK(svg::nice_ticks(-1.3, 2.1, 5) == std::vector<double>{-2, -1, 0, 1, 2, 3});
  // A single value gets a range around it.
  const auto single = svg::nice_ticks(5, 5, 4);
  CHECK(single.front() <= 4.5);
  CHECK(single.back() >= 5.5);
  CHECK(svg::nice_ticks(std::nan(""), 1).empty());

  CHECK(svg::format_tick(0.2, 0.2) == "0.2");
  CHECK(svg::format_tick(1e-17, 0.2) == "0");
  CHECK(svg::format_tick(250, 50) == "250");
  CHECK(svg::format_tick(0.05, 0.05) == "0.05");

  CHECK(svg::escape("<a href=\"x\">&'") == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
  CHECK(svg::rank_colour(1, 4) == "#1a9850");
  CHECK(svg::rank_colour(4, 4) == "#fff7bc");
  CHECK(svg::series_colour(0) == svg::series_colour(10));
  CHECK(svg::series_colour(0) != svg::series_colour(1));
  CHECK(svg::jitter(0) == -1);
  for (std::size_t i = 0; i < 50; ++i) CHECK(std::abs(svg::jitter(i)) <= 1);

  // numpy: np.percentile([1, 2, 3, 4, 100], [25, 50, 75]) = [2, 3, 4];
  // IQR 2, so 100 > 4 + 3 lies beyond the upper whisker, which stops at 4.
  const auto b = svg::box_stats({100, 3, 1, 4, 2});
  CHECK(b.q1 == 2);
  CHECK(b.median == 3);
  CHECK(b.q3 == 4);
  CHECK(b.low == 1);
  CHECK(b.high == 4);

  const std::string box = svg::box_plot("t<1>", "mse", {{"m&n", {0.1, 0.2, 0.3}}});
  CHECK_THAT(box, Contains("<svg") && Contains("t&lt;1&gt;") && Contains("m&amp;n") && Contains("n=3"));
  const std::string scatter = svg::scatter_plot("KLF1", {{"mean", {{1, 0.5}, {-1, -0.5}}}}, {"mean", "linear"});
  CHECK_THAT(scatter, Contains("observed delta") && Contains("predicted delta") && Contains("stroke-dasharray") &&
                          Contains(">linear</text>"));
  const std::string heat = svg::rank_heatmap({"a", "b"}, {"mse"}, {{"mse", {{"a", 1}, {"b", 2}}}});
  CHECK_THAT(heat, Contains("#1a9850") && Contains("#fff7bc") && Contains(">1</text>") && Contains(">2</text>"));
}

namespace {

void write_run(const fs::path& out, const CellId& id, double value, double effect) {
  const fs::path run = cell_dir(out, id) / "run";
  fs::create_directories(run);
  std::ofstream(run / "metrics.json")
      << "{\"overall\": {\"mse\": " << value << "}, \"conditions\": {\"A\": {\"mse\": " << value
      << "}, \"B\": {\"mse\": " << value * 2 << "}}, \"directions\": {\"mse\": \"lower_is_better\"}}";
  std::ofstream(run / "run.json") << "{\"wall_seconds\": 2.5, \"peak_rss_bytes\": 104857600, \"git_commit\": "
                                     "\"abc123\", \"trellis_version\": \"0.1.0\"}";
  std::ofstream(run / "top_de.csv") << "condition,rank,gene,control,observed,predicted,observed_delta,predicted_delta\n"
                                    << "A,1,G1,1,2,1.5,1,0.5\nA,2,G2,1,0,1,-1,0\n"
                                    << "B,1,G1,1,1.1,1,0.1,0\nC,1,G3,1," << 1 + effect << ",1," << effect << ",0.2\n";
}

}  // namespace

TEST_CASE("bench report: self-contained HTML with escaped names, tables and plots", "[bench]") {
  TempDir dir;
  const std::string odd = "x<y&z";
  write_run(dir.path(), CellId{odd, "d", "simulation", 1}, 0.5, 3);
  write_run(dir.path(), CellId{"mean", "d", "simulation", 1}, 0.25, 3);
  write_run(dir.path(), CellId{"mean", "d", "simulation", 2}, 0.25, 3);
  const BenchResults results = collect(dir.path());
  REQUIRE(results.cells.size() == 3);
  const auto tables = build_tables(results, {"mean", odd}, {"mse"});

  // Mean |observed delta| per condition in seed 1: C 3, A (1 + 1) / 2 = 1, B 0.1.
  std::int64_t seed = -1;
  CHECK(scatter_conditions(results, tables[0], 2, seed) == std::vector<std::string>{"C", "A"});
  CHECK(seed == 1);

  ReportContext context;
  context.summary = SummaryContext{"demo<1>", {"mean"}, 2};
  context.bench_file = "/b/bench.toml";
  context.date = "2026-11-22 03:00:00 UTC";
  context.seeds = {1, 2};
  context.jobs = 2;
  context.metric = "mse";
  context.conditions = 2;
  const std::string html = report_html(context, {results.cells, {CellFailure{CellId{"bad", "d", "simulation", 1}, "exit 1: <oops>"}}}, tables, {});

  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK_THAT(html, Contains("</html>") && Contains("<style>") && !Contains("<script") && !Contains("<link"));
  // The only URL is the SVG namespace.
  std::size_t urls = 0, xmlns = 0;
  for (std::size_t p = html.find("http"); p != std::string::npos; p = html.find("http", p + 1)) ++urls;
  const std::string ns = "http://www.w3.org/2000/svg";
  for (std::size_t p = html.find(ns); p != std::string::npos; p = html.find(ns, p + 1)) ++xmlns;
  CHECK(urls == xmlns);
  // Box plot, 2 scatters, rank heatmap.
  std::size_t svgs = 0;
  for (std::size_t p = html.find("<svg"); p != std::string::npos; p = html.find("<svg", p + 1)) ++svgs;
  CHECK(svgs == 4);
  CHECK_THAT(html, Contains("x&lt;y&amp;z") && !Contains(odd));
  CHECK_THAT(html, Contains("demo&lt;1&gt;") && Contains("exit 1: &lt;oops&gt;"));
  CHECK_THAT(html, Contains("abc123") && Contains("0.1.0") && Contains("/b/bench.toml") && Contains("1, 2"));
  CHECK_THAT(html, Contains("median 2.5 s, max 2.5 s, total 7.5 s") && Contains("median 100 MiB"));
  CHECK_THAT(html, Contains("mean (baseline)") && Contains("The baseline mean ranks first overall"));
  CHECK_THAT(html, Contains("<td class=\"best\">0.25 ± 0</td>") && Contains("<td>0.5 (n=1)</td>"));
  CHECK_THAT(html, Contains("split seed 1"));
}
