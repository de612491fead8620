#include "catch.hpp"

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "support.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/options.hpp"
#include "trellis/sdk/plugin.hpp"
#include "trellis/sdk/split.hpp"
#include "trellis/split/condition_sets.hpp"
#include "trellis/split/split_io.hpp"
#include "trellis/split/splits.hpp"
#include "trellis/split/splitters.hpp"

using namespace trellis::core::split;
using trellis::sdk::Condition;
using trellis::sdk::Split;
using Catch::Contains;

namespace {

Condition cond(const std::string& name) {
  Condition c;
  c.name = name;
  std::string rest = name;
  for (std::size_t pos; (pos = rest.find('+')) != std::string::npos; rest = rest.substr(pos + 1)) {
    const std::string g = rest.substr(0, pos);
    if (g != "ctrl") c.genes.push_back(g);
  }
  if (rest != "ctrl") c.genes.push_back(rest);
  return c;
}

// 8 genes, 8 singles, 6 doubles.
std::vector<Condition> small() {
  std::vector<Condition> out;
  for (const char* g : {"A", "B", "C", "D", "E", "F", "G", "H"}) out.push_back(cond(std::string(g) + "+ctrl"));
  for (const char* d : {"A+B", "C+D", "E+F", "G+H", "A+E", "B+G"}) out.push_back(cond(d));
  return out;
}

// 40 genes with singles, 5 genes (X0..X4) seen only inside doubles, 80 doubles.
std::vector<Condition> large() {
  std::vector<Condition> out;
  std::vector<std::string> genes;
  for (int i = 0; i < 40; ++i) genes.push_back("G" + std::to_string(i));
  for (const auto& g : genes) out.push_back(cond(g + "+ctrl"));
  std::set<std::string> made;
  std::mt19937_64 rng(99);
  while (made.size() < 75) {
    const auto a = genes[rng() % 40], b = genes[rng() % 40];
    if (a < b && made.insert(a + "+" + b).second) out.push_back(cond(a + "+" + b));
  }
  for (int i = 0; i < 5; ++i) out.push_back(cond("X" + std::to_string(i) + "+" + genes[static_cast<std::size_t>(i)]));
  return out;
}

std::set<std::string> all_names(const std::vector<Condition>& cs) {
  std::set<std::string> s;
  for (const auto& c : cs) s.insert(c.name);
  return s;
}

std::map<std::string, Condition> by_name(const std::vector<Condition>& cs) {
  std::map<std::string, Condition> m;
  for (const auto& c : cs) m[c.name] = c;
  return m;
}

std::set<std::string> genes_in(const std::vector<std::string>& names, const std::vector<Condition>& cs) {
  const auto m = by_name(cs);
  std::set<std::string> s;
  for (const auto& n : names) s.insert(m.at(n).genes.begin(), m.at(n).genes.end());
  return s;
}

void check_disjoint(const Split& s) {
  std::set<std::string> seen;
  for (const auto* v : {&s.train, &s.val, &s.test}) {
    for (const auto& n : *v) CHECK(seen.insert(n).second);
  }
}

// Subgroups recomputed here from the genes of the training conditions.
void check_subgroups_by_training(const Split& s, const std::vector<Condition>& cs) {
  const auto train_genes = genes_in(s.train, cs);
  const auto m = by_name(cs);
  std::set<std::string> in_groups;
  for (const auto& [group, members] : s.subgroups) {
    for (const auto& n : members) {
      INFO(group << " " << n);
      in_groups.insert(n);
      const auto& c = m.at(n);
      int k = 0;
      for (const auto& g : c.genes) k += train_genes.count(g) ? 1 : 0;
      if (c.genes.size() == 1) CHECK(group == (k ? "seen_single" : "unseen_single"));
      else CHECK(group == "combo_seen" + std::to_string(std::min(k, 2)));
    }
  }
  CHECK(in_groups == std::set<std::string>(s.test.begin(), s.test.end()));
}

class CollectingRegistrar : public trellis::sdk::Registrar {
 public:
  void add(trellis::sdk::ComponentSpec spec) override { specs.push_back(std::move(spec)); }
  std::vector<trellis::sdk::ComponentSpec> specs;
};

}  // namespace

TEST_CASE("seeded shuffling is platform independent and uniform", "[splits]") {
  std::mt19937_64 rng(5489u);
  std::mt19937_64 check(5489u);
  check.discard(9999);
  CHECK(check() == 9981545732273789042ull);  // the standard's required value
  std::vector<int> counts(3, 0);
  for (int i = 0; i < 30000; ++i) ++counts[static_cast<std::size_t>(uniform_below(rng, 3))];
  for (int c : counts) CHECK(c == Approx(10000).margin(400));
  std::vector<int> a{0, 1, 2, 3, 4, 5, 6, 7}, b = a;
  std::mt19937_64 r1(7), r2(7);
  shuffle(a, r1);
  shuffle(b, r2);
  CHECK(a == b);
  std::sort(a.begin(), a.end());
  CHECK(a == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7});
  CHECK(fraction_of(10, 0.7) == 7);
  CHECK(fraction_of(8, 0.75) == 6);
  CHECK(fraction_of(3, 0.25) == 0);
}

TEST_CASE("simulation split keeps GEARS's invariants", "[splits]") {
  const auto cs = small();
  std::set<std::string> distinct;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    INFO("seed " << seed);
    SimulationOptions o;
    const Split s = simulation_split(cs, seed, o);
    check_disjoint(s);
    std::set<std::string> all(s.train.begin(), s.train.end());
    all.insert(s.val.begin(), s.val.end());
    all.insert(s.test.begin(), s.test.end());
    CHECK(all == all_names(cs));
    check_subgroups_by_training(s, cs);
    // unseen genes appear neither in train nor in val
    if (s.subgroups.count("unseen_single")) {
      const auto unseen = genes_in(s.subgroups.at("unseen_single"), cs);
      auto train_val = s.train;
      train_val.insert(train_val.end(), s.val.begin(), s.val.end());
      for (const auto& g : genes_in(train_val, cs)) CHECK_FALSE(unseen.count(g));
      // 8 genes, all with singles: floor(0.75 * 8) = 6 seen, 2 unseen
      CHECK(unseen.size() == 2);
    }
    CHECK(simulation_split(cs, seed, o).test == s.test);
    CHECK(simulation_split(cs, seed, o).val == s.val);
    std::vector<Condition> reversed(cs.rbegin(), cs.rend());
    CHECK(simulation_split(reversed, seed, o).test == s.test);  // input order does not matter
    std::string key;
    for (const auto& n : s.test) key += n + ",";
    distinct.insert(key);
  }
  CHECK(distinct.size() > 5);  // different seeds, different splits
}

TEST_CASE("simulation split fractions and the drawn-seen quirk", "[splits]") {
  const auto cs = large();
  SimulationOptions o;
  o.validation = false;
  o.seen = SeenRule::drawn;
  bool found_quirk = false;
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    INFO("seed " << seed);
    const Split s = simulation_split(cs, seed, o);
    CHECK(s.val.empty());
    // 45 perturbed genes: floor(0.75 * 45) = 33 drawn as seen. Genes with a
    // single are seen iff their single trains.
    const auto m = by_name(cs);
    std::set<std::string> seen;
    for (const auto& n : s.train) {
      if (m.at(n).genes.size() == 1) seen.insert(m.at(n).genes[0]);
    }
    const std::size_t unseen_singles = s.subgroups.count("unseen_single") ? s.subgroups.at("unseen_single").size() : 0;
    CHECK(seen.size() + unseen_singles == 40);
    // Combos with 2 drawn-seen genes: 75% (floored) train, the rest test.
    std::size_t train_combos = 0;
    for (const auto& n : s.train) train_combos += m.at(n).genes.size() > 1;
    const std::size_t seen2 = s.subgroups.count("combo_seen2") ? s.subgroups.at("combo_seen2").size() : 0;
    CHECK(train_combos == (train_combos + seen2) * 3 / 4);
    // GEARS labels by the draw: a combo can be "seen1" with no gene in training.
    const auto train_genes = genes_in(s.train, cs);
    if (s.subgroups.count("combo_seen1")) {
      for (const auto& n : s.subgroups.at("combo_seen1")) {
        int k = 0;
        for (const auto& g : m.at(n).genes) k += train_genes.count(g) ? 1 : 0;
        if (k == 0) {
          found_quirk = true;
          // The corrected rule labels the same split by the training genes.
          SimulationOptions fixed = o;
          fixed.seen = SeenRule::trained;
          const Split t = simulation_split(cs, seed, fixed);
          CHECK(t.test == s.test);
          const auto& zero = t.subgroups.at("combo_seen0");
          CHECK(std::find(zero.begin(), zero.end(), n) != zero.end());
          check_subgroups_by_training(t, cs);
        }
      }
    }
  }
  CHECK(found_quirk);
}

TEST_CASE("single split holds out single genes and their combinations", "[splits]") {
  const auto cs = large();
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    const Split s = single_split(cs, seed, 0.1, 0.1);
    check_disjoint(s);
    CHECK(s.test.size() == 4);  // floor(0.1 * 40)
    CHECK(s.val.size() == 3);   // floor(0.1 * 36)
    const auto held = genes_in(s.test, cs);
    const auto val_genes = genes_in(s.val, cs);
    for (const auto& g : genes_in(s.train, cs)) {
      CHECK_FALSE(held.count(g));
      CHECK_FALSE(val_genes.count(g));
    }
    CHECK(s.subgroups.at("unseen_single") == s.test);
    check_subgroups_by_training(s, cs);
  }
  CHECK(single_split(cs, 1).test != single_split(cs, 2).test);
}

TEST_CASE("combo_seen splits test only their subgroup", "[splits]") {
  const auto cs = large();
  for (int k = 0; k <= 2; ++k) {
    for (std::uint64_t seed = 0; seed < 10; ++seed) {
      INFO("k " << k << " seed " << seed);
      ComboSeenOptions o;
      o.seen = SeenRule::drawn;
      const Split drawn = combo_seen_split(cs, seed, k, o);
      check_disjoint(drawn);
      REQUIRE(drawn.subgroups.size() == 1);
      CHECK(drawn.subgroups.begin()->first == "combo_seen" + std::to_string(k));
      for (const auto& n : drawn.test) CHECK(n.find("ctrl") == std::string::npos);
      o.seen = SeenRule::trained;
      const Split trained = combo_seen_split(cs, seed, k, o);
      CHECK(trained.test == drawn.test);
      check_subgroups_by_training(trained, cs);
      if (k == 0) {
        // no gene of a test combination was trained on
        const auto train_genes = genes_in(trained.train, cs);
        for (const auto& g : genes_in(trained.test, cs)) CHECK_FALSE(train_genes.count(g));
        CHECK(trained.subgroups.begin()->first == "combo_seen0");
      }
      if (k == 2) {
        // everything is somewhere; 80 combos: floor(0.75 * 80) = 60 train+val, 20 test
        CHECK(trained.test.size() == 20);
        CHECK(trained.train.size() + trained.val.size() + trained.test.size() == cs.size());
      }
    }
  }
  REQUIRE_THROWS_WITH(combo_seen_split(cs, 0, 3), Contains("must be 0, 1 or 2, got 3"));
}

TEST_CASE("doubles split trains on all singles and half of the doubles", "[splits]") {
  auto cs = large();
  cs.pop_back();  // 79 combos
  for (std::uint64_t seed = 0; seed < 5; ++seed) {
    const Split s = doubles_split(cs, seed);
    check_disjoint(s);
    const auto m = by_name(cs);
    std::size_t singles = 0, train_combos = 0;
    for (const auto& n : s.train) (m.at(n).genes.size() == 1 ? singles : train_combos)++;
    CHECK(singles == 40);
    CHECK(train_combos == 39);  // floor(0.5 * 79)
    CHECK(s.test.size() == 40);
    CHECK(s.val.empty());
    for (const auto& n : s.test) CHECK(m.at(n).genes.size() == 2);
    check_subgroups_by_training(s, cs);
  }
  CHECK(doubles_split(cs, 1).test != doubles_split(cs, 2).test);
  const Split v = doubles_split(cs, 1, 0.5, 0.2);
  CHECK(v.val.size() == 7);  // floor(0.2 * 39)
}

TEST_CASE("an empty test set is an error", "[splits]") {
  std::vector<Condition> cs;
  for (const char* g : {"A", "B", "C", "D", "E"}) cs.push_back(cond(std::string(g) + "+ctrl"));
  REQUIRE_THROWS_WITH(single_split(cs, 0, 0.1), Contains("the split has an empty test set;") &&
                                                    Contains("'splitter/single'"));
  REQUIRE_THROWS_WITH(doubles_split(cs, 0), Contains("the split has an empty test set;"));
  REQUIRE_THROWS_WITH(single_split(cs, 0, 1.5), Contains("test_fraction must be in (0, 1], got 1.5"));
  cs.push_back(cond("ctrl"));
  REQUIRE_THROWS_WITH(simulation_split(cs, 0), Contains("'ctrl' has no perturbed gene"));
}

TEST_CASE("splits round-trip through TOML and summarise per set and subgroup", "[splits]") {
  const auto cs = small();
  const Split s = simulation_split(cs, 3);
  trellis::test::TempDir dir;
  write_split(s, dir.path() / "split.toml");
  const Split r = read_split(dir.path() / "split.toml");
  CHECK(r.train == s.train);
  CHECK(r.val == s.val);
  CHECK(r.test == s.test);
  CHECK(r.subgroups == s.subgroups);

  Split hand;
  hand.train = {"A+ctrl", "B+ctrl"};
  hand.test = {"A+B", "C+ctrl"};
  hand.subgroups = {{"combo_seen2", {"A+B"}}, {"unseen_single", {"C+ctrl"}}};
  const std::map<std::string, std::int64_t> cells{{"A+ctrl", 10}, {"B+ctrl", 20}, {"A+B", 5}, {"C+ctrl", 7}, {"D+ctrl", 3}};
  const std::string text = summarise(hand, cells);
  CHECK_THAT(text, Contains("train: 2 conditions, 30 cells"));
  CHECK_THAT(text, Contains("val: 0 conditions, 0 cells"));
  CHECK_THAT(text, Contains("test: 2 conditions, 12 cells"));
  CHECK_THAT(text, Contains("test/combo_seen2: 1 conditions, 5 cells"));
  CHECK_THAT(text, Contains("test/unseen_single: 1 conditions, 7 cells"));
  CHECK_THAT(text, Contains("in no set: 1 conditions, 3 cells"));
}

TEST_CASE("custom split files are validated", "[splits]") {
  const auto cs = small();
  trellis::test::TempDir dir;
  const auto good = dir.write("good.toml", "train = [\"A+ctrl\", \"B+ctrl\", \"E+ctrl\"]\nval = [\"C+ctrl\"]\n"
                                           "test = [\"A+B\", \"A+E\", \"D+ctrl\", \"C+D\"]\n");
  const Split s = custom_split(cs, good);
  CHECK(s.test.size() == 4);
  CHECK(s.subgroups.at("combo_seen2") == std::vector<std::string>{"A+B", "A+E"});
  CHECK(s.subgroups.at("unseen_single") == std::vector<std::string>{"D+ctrl"});
  CHECK(s.subgroups.at("combo_seen0") == std::vector<std::string>{"C+D"});

  const auto unknown = dir.write("unknown.toml", "train = [\"A+ctrl\", \"Z+ctrl\"]\ntest = [\"B+ctrl\", \"Q+R\"]\n");
  REQUIRE_THROWS_WITH(custom_split(cs, unknown),
                      Contains("names 2 condition(s) that are not perturbed conditions of the data: 'Z+ctrl', 'Q+R'") &&
                          Contains("unknown.toml"));
  const auto overlap = dir.write("overlap.toml", "train = [\"A+ctrl\", \"B+ctrl\"]\ntest = [\"B+ctrl\"]\n");
  REQUIRE_THROWS_WITH(custom_split(cs, overlap),
                      Contains("more than one set") && Contains("'B+ctrl' (train+test)"));
  const auto empty = dir.write("empty.toml", "train = [\"A+ctrl\"]\ntest = []\n");
  REQUIRE_THROWS_WITH(custom_split(cs, empty), Contains("the split has an empty test set;"));
  const auto bad_group = dir.write("group.toml", "train = [\"A+ctrl\"]\ntest = [\"B+ctrl\"]\n[subgroups]\nx = [\"A+ctrl\"]\n");
  REQUIRE_THROWS_WITH(custom_split(cs, bad_group), Contains("subgroup 'x' lists 'A+ctrl', which is not in the test set"));
  const auto syntax = dir.write("syntax.toml", "train = [\"A+ctrl\"]\ntest = [\"B+ctrl\"\n");
  REQUIRE_THROWS_WITH(read_split(syntax), Contains("syntax.toml' line"));
  const auto wrong = dir.write("wrong.toml", "train = [\"A+ctrl\"]\ntest = [1, 2]\n");
  REQUIRE_THROWS_WITH(read_split(wrong), Contains("'test' must be a list of condition names"));
  const auto extra = dir.write("extra.toml", "train = []\ntest = [\"A+ctrl\"]\ntset = []\n");
  REQUIRE_THROWS_WITH(read_split(extra), Contains("unknown key 'tset'; known keys: train, val, test, subgroups"));
  const auto missing = dir.write("missing.toml", "train = [\"A+ctrl\"]\n");
  REQUIRE_THROWS_WITH(read_split(missing), Contains("must have 'train' and 'test' lists"));
  REQUIRE_THROWS_WITH(read_split(dir.path() / "nope.toml"), Contains("nope.toml' does not exist"));
}

TEST_CASE("splitters register as components with checked options", "[splits]") {
  CollectingRegistrar r;
  register_splitters(r);
  std::set<std::string> keys;
  for (const auto& spec : r.specs) keys.insert(spec.key());
  CHECK(keys == std::set<std::string>{"splitter/simulation", "splitter/single", "splitter/combo_seen0",
                                      "splitter/combo_seen1", "splitter/combo_seen2", "splitter/custom",
                                      "splitter/doubles", "splitter/none", "splitter/transfer"});
  auto make = [&](const std::string& key, const nlohmann::json& values) {
    for (const auto& spec : r.specs) {
      if (spec.key() == key) {
        const trellis::sdk::Options o(spec.options, values, "[split] (" + key + ")");
        CHECK(spec.interface_type == trellis::sdk::KindOf<trellis::sdk::Splitter>::info().type_id);
        return std::static_pointer_cast<trellis::sdk::Splitter>(spec.factory(o));
      }
    }
    FAIL("no " << key);
    return std::shared_ptr<trellis::sdk::Splitter>();
  };
  const auto cs = small();
  CHECK(make("splitter/simulation", nlohmann::json::object())->split(cs, 4).test == simulation_split(cs, 4).test);
  SimulationOptions o;
  o.train_gene_fraction = 0.5;
  CHECK(make("splitter/simulation", {{"train_gene_fraction", 0.5}})->split(cs, 4).test == simulation_split(cs, 4, o).test);
  CHECK(make("splitter/doubles", nlohmann::json::object())->split(cs, 1).test == doubles_split(cs, 1).test);
  REQUIRE_THROWS_WITH(make("splitter/simulation", {{"seen_rule", "sometimes"}}),
                      Contains("option 'seen_rule' must be one of \"trained\", \"drawn\", got \"sometimes\""));
  REQUIRE_THROWS_WITH(make("splitter/custom", nlohmann::json::object()), Contains("file"));
  trellis::test::TempDir dir;
  const auto file = dir.write("s.toml", "train = [\"A+ctrl\"]\ntest = [\"B+ctrl\"]\n");
  CHECK(make("splitter/custom", {{"file", file.string()}})->split(cs, 0).test == std::vector<std::string>{"B+ctrl"});
}
