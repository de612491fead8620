// The supervised (GENELink) network protocol: sklearn's ranking areas, the
// per-regulator split and its errors, with values worked out by hand.
#include "catch.hpp"

#include <algorithm>
#include <set>

#include "trellis/experiment/supervised_protocol.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/stats.hpp"

using namespace trellis;
using namespace trellis::core::experiment;
using Catch::Contains;
using Catch::Matchers::WithinAbs;

TEST_CASE("roc_auc and average_precision match sklearn, ties as one threshold", "[supervised_protocol]") {
  const std::vector<double> scores = {0.9, 0.8, 0.8, 0.3, 0.1};
  const std::vector<int> labels = {1, 0, 1, 0, 1};
  // Positive-negative pairs won: 0.9 beats both, 0.8 ties one (1/2) and
  // beats 0.3, 0.1 loses both: 3.5 of 6.
  CHECK_THAT(sdk::roc_auc(scores, labels), WithinAbs(3.5 / 6.0, 1e-12));
  // Thresholds 0.9: P 1, R 1/3; 0.8: P 2/3, R 2/3; 0.3: R unchanged;
  // 0.1: P 3/5, R 1. AP = 1/3 + 1/3 * 2/3 + 1/3 * 3/5.
  CHECK_THAT(sdk::average_precision(scores, labels), WithinAbs(1.0 / 3 + 2.0 / 9 + 0.2, 1e-12));
  CHECK_THAT(sdk::roc_auc({1, 2, 3}, {0, 0, 1}), WithinAbs(1.0, 1e-12));
  CHECK_THAT(sdk::average_precision({1, 1, 1, 1}, {0, 1, 0, 1}), WithinAbs(0.5, 1e-12));
  CHECK_THROWS_WITH(sdk::roc_auc({1, 2}, {1, 1}), Contains("no negative"));
  CHECK_THROWS_WITH(sdk::average_precision({1, 2}, {1}), Contains("2 scores but 1 labels"));
}

namespace {

sdk::GraphMetricInput toy_truth() {
  sdk::GraphMetricInput truth;
  truth.genes = {"A", "B", "C", "D", "E", "F"};
  // A: one target; C: two; F: five (every other gene).
  truth.truth = {{"A", "B"}, {"C", "D"}, {"C", "E"}, {"F", "A"}, {"F", "B"}, {"F", "C"}, {"F", "D"}, {"F", "E"}};
  return truth;
}

std::int64_t count(const sdk::LabelledPairs& set, const std::string& regulator, int label) {
  std::int64_t n = 0;
  for (std::size_t i = 0; i < set.size(); ++i) n += set.regulator[i] == regulator && set.label[i] == label;
  return n;
}

}  // namespace

TEST_CASE("the GENELink split works per regulator, every non-target a negative", "[supervised_protocol]") {
  SupervisedSettings s;
  s.train = 0.2;
  s.validation = 0.2;
  const SupervisedSplit split = split_per_regulator(toy_truth(), s, 7);
  // F's 5 targets: floor(1) to training, floor(2) - 1 to validation, 3 to
  // test; it has no non-target.
  CHECK(count(split.train, "F", 1) == 1);
  CHECK(count(split.validation, "F", 1) == 1);
  CHECK(count(split.test, "F", 1) == 3);
  CHECK(count(split.test, "F", 0) + count(split.train, "F", 0) + count(split.validation, "F", 0) == 0);
  // C's two targets: one trains, one tests; its 3 non-targets (A, B, F):
  // floor(0.6) = 0, floor(1.2) = 1, 2.
  CHECK(count(split.train, "C", 1) == 1);
  CHECK(count(split.test, "C", 1) == 1);
  CHECK(count(split.train, "C", 0) == 0);
  CHECK(count(split.validation, "C", 0) == 1);
  CHECK(count(split.test, "C", 0) == 2);
  // A's only target is in training or test, never both; its 4 non-targets:
  // 0, floor(1.6) = 1, 3.
  CHECK(count(split.train, "A", 1) + count(split.test, "A", 1) == 1);
  CHECK(count(split.validation, "A", 0) == 1);
  CHECK(count(split.test, "A", 0) == 3);
  // Every (regulator, other gene) pair lands in exactly one set, labelled
  // by the truth.
  std::set<std::pair<std::string, std::string>> seen;
  const auto truth = toy_truth();
  for (const auto* set : {&split.train, &split.validation, &split.test})
    for (std::size_t i = 0; i < set->size(); ++i) {
      CHECK(seen.emplace(set->regulator[i], set->target[i]).second);
      const bool edge = std::count(truth.truth.begin(), truth.truth.end(),
                                   std::make_pair(set->regulator[i], set->target[i])) > 0;
      CHECK(set->label[i] == (edge ? 1 : 0));
    }
  CHECK(seen.size() == 3 * 5);
  // Seeded: the same seed, the same split.
  const SupervisedSplit again = split_per_regulator(truth, s, 7);
  CHECK(again.test.target == split.test.target);
}

TEST_CASE("the supervised protocol explains a split without test edges or bad shares", "[supervised_protocol]") {
  sdk::GraphMetricInput truth;
  truth.genes = {"A", "B", "C"};
  truth.truth = {{"A", "B"}};
  SupervisedSettings s;
  s.single_target_train = 1.0;  // the only edge always trains
  CHECK_THROWS_WITH(split_per_regulator(truth, s, 1), Contains("the test pairs hold 0 truth edges"));
  CHECK_THROWS_WITH(parse_supervised({{"train", 0.7}, {"validation", 0.3}}),
                    Contains("train + validation = 1") && Contains("leaves no test pairs"));
  CHECK_THROWS_WITH(parse_supervised({{"trian", 0.2}}), Contains("[eval.supervised]") && Contains("trian"));
}
