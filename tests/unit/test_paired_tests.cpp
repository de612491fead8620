// The paired tests of `trellis bench`: the Wilcoxon signed-rank test against
// scipy 1.10 (values below from /usr/bin/python3, scipy.stats.wilcoxon with
// zero_method="wilcox", correction=False) and the bootstrap interval
// against the normal-theory interval.
#include <cmath>
#include <numeric>
#include <vector>

#include "catch.hpp"

#include "trellis/stats/paired_tests.hpp"

using namespace trellis::core::stats;

TEST_CASE("Wilcoxon signed-rank: exact and normal p-values match scipy", "[stats]") {
  // Exact: |d| ranks 3, 1, 5, 7, 2, 4, 8, 6; W- = 1 + 4 = 5; P(W <= 5) = 10 / 256, p = 0.078125.
  auto r = wilcoxon_signed_rank({0.3, -0.1, 0.5, 0.7, 0.2, -0.4, 0.9, 0.6});
  CHECK(r.exact);
  CHECK(r.statistic == 5.0);
  CHECK(r.p_value == Approx(0.078125).epsilon(1e-12));
  r = wilcoxon_signed_rank({1, 2, 3, 4, 5, 6.5});  // all positive: 2 / 64
  CHECK(r.statistic == 0.0);
  CHECK(r.p_value == Approx(0.03125).epsilon(1e-12));
  // Zeros are dropped and switch to the normal approximation.
  r = wilcoxon_signed_rank({0.3, 0.0, -0.1, 0.5, 0.7, 0.2, -0.4, 0.9, 0.6, 0.0, 1.1, -0.25});
  CHECK_FALSE(r.exact);
  CHECK(r.n == 10);
  CHECK(r.statistic == 9.0);
  CHECK(r.p_value == Approx(0.05933611988090862).epsilon(1e-9));
  // Ties: normal approximation with the tie correction (scipy method="approx").
  r = wilcoxon_signed_rank({1, 1, 2, -1, 2, 3, -2, 1, 4, 2, -1, 3});
  CHECK_FALSE(r.exact);
  CHECK(r.statistic == 13.5);
  CHECK(r.p_value == Approx(0.04290120601140134).epsilon(1e-9));
  // Nothing to test.
  r = wilcoxon_signed_rank({0.0, 0.0});
  CHECK(r.n == 0);
  CHECK(r.p_value == 1.0);
}

TEST_CASE("Wilcoxon signed-rank: more than 50 differences use the normal approximation", "[stats]") {
  // numpy.random.default_rng(0).normal(0.2, 1, 60); scipy: statistic 614, p = 0.026702290402880455.
  const std::vector<double> d{
      0.32573022109339334,  0.06789513670869812,  0.8404226504432821,  0.3049001171530397,
      -0.33566937316111095, 0.5615950549094848,   1.5040000451301372,  1.1470809631292422,
      -0.5037352358069926,  -1.0654214710460526,  -0.4232744625373522, 0.24132597934724362,
      -2.125030774638834,   -0.01879166393254572, -1.0459109472530652, -0.5322673547034515,
      -0.3442589828573099,  -0.11630015636915453, 0.6116305363741328,  1.2425133694426775,
      0.07146533705596575,  1.5664634705496858,   -0.46519467348661353, 0.5515100700930198,
      1.1034701816518087,   0.29401229776087456,  -0.5434992493538084, -0.7217253762584195,
      -0.25772582566733915, 0.4201951234700494,   -0.8096181835387359, -0.009175574871713055,
      0.040774990085522295, 0.7408455846858077,   0.4146591225063409,  0.5553727090399214,
      -0.4538286094183394,  0.07038636630723055,  0.9839754700613295,  1.6934311452207607,
      -1.0590655321041202,  1.7139237747390625,   1.5458754237823045,  0.9813114007004275,
      0.46445563032930354,  -0.11392281453642777, 1.6580206835369586,  2.1602583164499647,
      2.001634869866125,    1.51510376473437,     0.5573804106589559,  -1.0083186322821716,
      0.1955458668799168,   0.8564749350763359,   -1.0883614637495544, 0.5951220601820082,
      0.62986369482223,     0.8960427239628685,   -0.9841179667571891, -0.4617025720390349};
  const auto r = wilcoxon_signed_rank(d);
  CHECK_FALSE(r.exact);
  CHECK(r.statistic == 614.0);
  CHECK(r.p_value == Approx(0.026702290402880455).epsilon(1e-9));

  // The bootstrap interval of the mean agrees with mean +- 1.96 sd / sqrt(n)
  // to within sampling error, is reproducible, and covers the mean.
  const double n = static_cast<double>(d.size());
  const double mean = std::accumulate(d.begin(), d.end(), 0.0) / n;
  double ss = 0;
  for (double x : d) ss += (x - mean) * (x - mean);
  const double half = 1.959964 * std::sqrt(ss / (n - 1) / n);
  const Interval ci = bootstrap_mean_interval(d, 0.95, 20000, 7);
  CHECK(ci.low < mean);
  CHECK(ci.high > mean);
  CHECK(ci.low == Approx(mean - half).margin(0.1 * half));
  CHECK(ci.high == Approx(mean + half).margin(0.1 * half));
  const Interval again = bootstrap_mean_interval(d, 0.95, 20000, 7);
  CHECK(again.low == ci.low);
  CHECK(again.high == ci.high);
}

TEST_CASE("bootstrap interval of constant differences is the constant", "[stats]") {
  const Interval ci = bootstrap_mean_interval({0.25, 0.25, 0.25, 0.25, 0.25});
  CHECK(ci.low == Approx(0.25));
  CHECK(ci.high == Approx(0.25));
  CHECK(std::isnan(bootstrap_mean_interval({}).low));
}
