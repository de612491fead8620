#include "trellis/split/splits.hpp"

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "trellis/data/conditions.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/split/condition_sets.hpp"
#include "trellis/split/split_io.hpp"

namespace trellis::core::split {
namespace {

using Conditions = std::vector<const sdk::Condition*>;

// Conditions sorted by name, so the draw does not depend on input order.
Conditions sorted_conditions(const std::vector<sdk::Condition>& conditions, const std::string& where) {
  Conditions out;
  std::set<std::string> names;
  for (const auto& c : conditions) {
    if (c.genes.empty()) {
      throw sdk::Error(where + " takes perturbed conditions only, but '" + c.name +
                       "' has no perturbed gene (control belongs in no set)");
    }
    if (!names.insert(c.name).second) throw sdk::Error(where + ": condition '" + c.name + "' is listed twice");
    out.push_back(&c);
  }
  std::sort(out.begin(), out.end(), [](const auto* a, const auto* b) { return a->name < b->name; });
  return out;
}

void check_fraction(double value, const char* name, const std::string& where, bool allow_zero) {
  if (!(value >= 0.0 && value <= 1.0) || (!allow_zero && value == 0.0)) {
    throw sdk::Error(where + ": " + name + " must be in " + (allow_zero ? "[0, 1]" : "(0, 1]") + ", got " +
                     std::to_string(value));
  }
}

std::size_t seen_count(const sdk::Condition& c, const std::set<std::string>& seen) {
  std::size_t k = 0;
  for (const auto& g : c.genes) k += seen.count(g);
  return k;
}

std::set<std::string> draw_seen(const Conditions& conditions, double fraction, std::mt19937_64& rng) {
  std::set<std::string> all;
  for (const auto* c : conditions) all.insert(c->genes.begin(), c->genes.end());
  std::vector<std::string> genes(all.begin(), all.end());
  shuffle(genes, rng);
  genes.resize(fraction_of(genes.size(), fraction));
  return {genes.begin(), genes.end()};
}

// One GEARS simulation pass over `conditions`.
struct Pass {
  Conditions train;
  Conditions test;
  std::map<std::string, std::vector<std::string>> subgroups;  // by the drawn genes
};

Pass simulate(const Conditions& conditions, double gene_fraction, double seen2_fraction, std::mt19937_64& rng) {
  const auto seen = draw_seen(conditions, gene_fraction, rng);
  Pass pass;
  Conditions pool2;
  for (const auto* c : conditions) {
    const std::size_t k = seen_count(*c, seen);
    if (c->genes.size() == 1) {
      if (k) {
        pass.train.push_back(c);
      } else {
        pass.test.push_back(c);
        pass.subgroups["unseen_single"].push_back(c->name);
      }
    } else if (k < 2) {
      pass.test.push_back(c);
      pass.subgroups["combo_seen" + std::to_string(k)].push_back(c->name);
    } else {
      pool2.push_back(c);
    }
  }
  shuffle(pool2, rng);
  const std::size_t n_train = fraction_of(pool2.size(), 1.0 - seen2_fraction);
  for (std::size_t i = 0; i < pool2.size(); ++i) {
    if (i < n_train) {
      pass.train.push_back(pool2[i]);
    } else {
      pass.test.push_back(pool2[i]);
      pass.subgroups["combo_seen2"].push_back(pool2[i]->name);
    }
  }
  return pass;
}

std::vector<std::string> names(const Conditions& conditions) {
  std::vector<std::string> out;
  for (const auto* c : conditions) out.push_back(c->name);
  std::sort(out.begin(), out.end());
  return out;
}

// Sorted lists, subgroups by the chosen rule, then the common checks.
sdk::Split finish(sdk::Split split, std::map<std::string, std::vector<std::string>> drawn, SeenRule rule,
                  const std::vector<sdk::Condition>& conditions, const std::string& where) {
  for (auto* v : {&split.train, &split.val, &split.test}) std::sort(v->begin(), v->end());
  split.subgroups = rule == SeenRule::drawn ? std::move(drawn) : subgroups_from_training(split, conditions);
  for (auto& [name, list] : split.subgroups) std::sort(list.begin(), list.end());
  validate_split(split, conditions, where);
  return split;
}

// Moves a random `fraction` of `train` into `val`.
void carve_val(sdk::Split& split, double fraction, std::mt19937_64& rng) {
  std::vector<std::string> train = split.train;
  std::sort(train.begin(), train.end());
  shuffle(train, rng);
  const std::size_t n_val = fraction_of(train.size(), fraction);
  split.val.assign(train.begin(), train.begin() + static_cast<std::ptrdiff_t>(n_val));
  split.train.assign(train.begin() + static_cast<std::ptrdiff_t>(n_val), train.end());
}

}  // namespace

SeenRule seen_rule_from_string(const std::string& name, const std::string& where) {
  if (name == "trained") return SeenRule::trained;
  if (name == "drawn") return SeenRule::drawn;
  throw sdk::Error(where + ": seen rule must be \"trained\" (genes in training conditions) or \"drawn\" "
                   "(GEARS: genes drawn as seen), got \"" + name + "\"");
}

sdk::Split simulation_split(const std::vector<sdk::Condition>& conditions, std::uint64_t seed,
                            const SimulationOptions& o) {
  const std::string where = "'splitter/simulation'";
  check_fraction(o.train_gene_fraction, "train_gene_fraction", where, false);
  check_fraction(o.combo_seen2_fraction, "combo_seen2_fraction", where, true);
  check_fraction(o.val_train_gene_fraction, "val_train_gene_fraction", where, false);
  check_fraction(o.val_combo_seen2_fraction, "val_combo_seen2_fraction", where, true);
  const Conditions sorted = sorted_conditions(conditions, where);
  std::mt19937_64 rng(seed);
  Pass test_pass = simulate(sorted, o.train_gene_fraction, o.combo_seen2_fraction, rng);
  sdk::Split split;
  split.test = names(test_pass.test);
  if (o.validation) {
    Conditions train = test_pass.train;
    std::sort(train.begin(), train.end(), [](const auto* a, const auto* b) { return a->name < b->name; });
    Pass val_pass = simulate(train, o.val_train_gene_fraction, o.val_combo_seen2_fraction, rng);
    split.train = names(val_pass.train);
    split.val = names(val_pass.test);
  } else {
    split.train = names(test_pass.train);
  }
  return finish(std::move(split), std::move(test_pass.subgroups), o.seen, conditions, where);
}

sdk::Split single_split(const std::vector<sdk::Condition>& conditions, std::uint64_t seed, double test_fraction,
                        double val_fraction) {
  const std::string where = "'splitter/single'";
  check_fraction(test_fraction, "test_fraction", where, false);
  check_fraction(val_fraction, "val_fraction", where, true);
  const Conditions sorted = sorted_conditions(conditions, where);
  std::set<std::string> single_genes;
  for (const auto* c : sorted) {
    if (c->genes.size() == 1) single_genes.insert(c->genes[0]);
  }
  std::vector<std::string> genes(single_genes.begin(), single_genes.end());
  std::mt19937_64 rng(seed);
  shuffle(genes, rng);
  const std::size_t n_test = fraction_of(genes.size(), test_fraction);
  const std::size_t n_val = fraction_of(genes.size() - n_test, val_fraction);
  const std::set<std::string> test_genes(genes.begin(), genes.begin() + static_cast<std::ptrdiff_t>(n_test));
  const std::set<std::string> val_genes(genes.begin() + static_cast<std::ptrdiff_t>(n_test),
                                        genes.begin() + static_cast<std::ptrdiff_t>(n_test + n_val));
  sdk::Split split;
  for (const auto* c : sorted) {
    const std::size_t in_test = seen_count(*c, test_genes);
    const std::size_t in_val = seen_count(*c, val_genes);
    if (c->genes.size() == 1) {
      (in_test ? split.test : in_val ? split.val : split.train).push_back(c->name);
    } else if (in_test == 0 && in_val == 0) {
      split.train.push_back(c->name);
    }  // else: a combination with a held-out gene would leak it; in no set
  }
  return finish(std::move(split), {}, SeenRule::trained, conditions, where);
}

sdk::Split combo_seen_split(const std::vector<sdk::Condition>& conditions, std::uint64_t seed, int k,
                            const ComboSeenOptions& o) {
  if (k < 0 || k > 2) throw sdk::Error("combo_seen split: the number of seen genes must be 0, 1 or 2, got " + std::to_string(k));
  const std::string where = "'splitter/combo_seen" + std::to_string(k) + "'";
  check_fraction(o.train_gene_fraction, "train_gene_fraction", where, false);
  check_fraction(o.combo_seen2_fraction, "combo_seen2_fraction", where, false);
  check_fraction(o.val_fraction, "val_fraction", where, true);
  const Conditions sorted = sorted_conditions(conditions, where);
  std::mt19937_64 rng(seed);
  sdk::Split split;
  std::map<std::string, std::vector<std::string>> drawn;
  const std::string label = "combo_seen" + std::to_string(k);
  if (k == 2) {
    Conditions combos;
    for (const auto* c : sorted) (c->genes.size() == 1 ? split.train.push_back(c->name) : combos.push_back(c));
    shuffle(combos, rng);
    const std::size_t n_train = fraction_of(combos.size(), 1.0 - o.combo_seen2_fraction);
    for (std::size_t i = 0; i < combos.size(); ++i) {
      if (i < n_train) {
        split.train.push_back(combos[i]->name);
      } else {
        split.test.push_back(combos[i]->name);
        drawn[label].push_back(combos[i]->name);
      }
    }
  } else {
    const auto seen = draw_seen(sorted, o.train_gene_fraction, rng);
    for (const auto* c : sorted) {
      const std::size_t n_seen = seen_count(*c, seen);
      if (c->genes.size() >= 2 && n_seen == static_cast<std::size_t>(k)) {
        split.test.push_back(c->name);
        drawn[label].push_back(c->name);
      } else if (n_seen == c->genes.size()) {
        split.train.push_back(c->name);
      }  // else: it would put an unseen gene into training; in no set
    }
  }
  carve_val(split, o.val_fraction, rng);
  return finish(std::move(split), std::move(drawn), o.seen, conditions, where);
}

sdk::Split doubles_split(const std::vector<sdk::Condition>& conditions, std::uint64_t seed, double test_fraction,
                         double val_fraction) {
  const std::string where = "'splitter/doubles'";
  check_fraction(test_fraction, "test_fraction", where, false);
  check_fraction(val_fraction, "val_fraction", where, true);
  const Conditions sorted = sorted_conditions(conditions, where);
  std::mt19937_64 rng(seed);
  sdk::Split split;
  Conditions combos;
  for (const auto* c : sorted) (c->genes.size() == 1 ? split.train.push_back(c->name) : combos.push_back(c));
  shuffle(combos, rng);
  const std::size_t n_train = fraction_of(combos.size(), 1.0 - test_fraction);
  const std::size_t n_val = fraction_of(n_train, val_fraction);
  for (std::size_t i = 0; i < combos.size(); ++i) {
    (i < n_val ? split.val : i < n_train ? split.train : split.test).push_back(combos[i]->name);
  }
  return finish(std::move(split), {}, SeenRule::trained, conditions, where);
}

sdk::Split transfer_split(const std::vector<sdk::Condition>& conditions, std::uint64_t seed, double test_fraction,
                          double val_fraction) {
  const std::string where = "'splitter/transfer'";
  check_fraction(test_fraction, "test_fraction", where, false);
  check_fraction(val_fraction, "val_fraction", where, true);
  const Conditions sorted = sorted_conditions(conditions, where);
  // How many contexts measure each perturbation (gene set), and how many
  // perturbations each context measures.
  auto perturbation = [](const sdk::Condition* c) { return data::condition_key(c->genes); };
  std::map<std::string, std::size_t> contexts_of, perturbations_in;
  for (const auto* c : sorted) {
    ++contexts_of[perturbation(c)];
    ++perturbations_in[c->context];
  }
  if (perturbations_in.size() < 2)
    throw sdk::Error(where + " holds a perturbation out in one cell context while it trains in others, but the "
                     "conditions have " + (perturbations_in.begin()->first.empty() ? std::string("no contexts")
                                                                                   : "one context") +
                     "; set [data] context = [\"<obs column>\"] (e.g. cell_type) or choose another [split] type");
  Conditions eligible;  // conditions whose perturbation is measured in two or more contexts
  for (const auto* c : sorted)
    if (contexts_of[perturbation(c)] >= 2) eligible.push_back(c);
  if (eligible.empty())
    throw sdk::Error(where + ": no perturbation is measured in two or more contexts, so none can be transferred; "
                     "check [data] context");
  std::mt19937_64 rng(seed);
  shuffle(eligible, rng);
  const std::size_t n_test = std::max<std::size_t>(1, fraction_of(eligible.size(), test_fraction));
  const std::size_t n_val = fraction_of(eligible.size() - n_test, val_fraction);
  // Walk the shuffled conditions, holding one out unless that would leave
  // its perturbation without a training context or its context without a
  // training perturbation.
  std::map<std::string, std::size_t> trained_contexts = contexts_of, trained_in = perturbations_in;
  std::set<const sdk::Condition*> held_out;
  sdk::Split split;
  std::map<std::string, std::vector<std::string>> subgroups;
  for (const auto* c : eligible) {
    if (split.test.size() + split.val.size() == n_test + n_val) break;
    std::size_t& keeps_perturbation = trained_contexts[perturbation(c)];
    std::size_t& keeps_context = trained_in[c->context];
    if (keeps_perturbation < 2 || keeps_context < 2) continue;
    --keeps_perturbation;
    --keeps_context;
    held_out.insert(c);
    if (split.test.size() < n_test) {
      split.test.push_back(c->name);
      subgroups[c->genes.size() == 1 ? "transfer_single" : "transfer_combo"].push_back(c->name);
    } else {
      split.val.push_back(c->name);
    }
  }
  for (const auto* c : sorted)
    if (!held_out.count(c)) split.train.push_back(c->name);
  return finish(std::move(split), std::move(subgroups), SeenRule::drawn, conditions, where);
}

sdk::Split custom_split(const std::vector<sdk::Condition>& conditions, const std::filesystem::path& file) {
  const std::string where = "'" + file.string() + "'";
  sdk::Split split = read_split(file);
  validate_split(split, conditions, where);
  const std::set<std::string> test(split.test.begin(), split.test.end());
  for (const auto& [group, members] : split.subgroups) {
    for (const auto& m : members) {
      if (!test.count(m)) {
        throw sdk::Error("split " + where + ": subgroup '" + group + "' lists '" + m +
                         "', which is not in the test set; subgroups divide the test conditions");
      }
    }
  }
  if (split.subgroups.empty()) split.subgroups = subgroups_from_training(split, conditions);
  return split;
}

}  // namespace trellis::core::split
