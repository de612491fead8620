#include "trellis/split/splitters.hpp"

#include <functional>
#include <memory>

#include "trellis/sdk/plugin.hpp"
#include "trellis/sdk/split.hpp"
#include "trellis/split/splits.hpp"

namespace trellis::core::split {
namespace {

using SplitFunction = std::function<sdk::Split(const std::vector<sdk::Condition>&, std::uint64_t)>;

class FunctionSplitter : public sdk::Splitter {
 public:
  explicit FunctionSplitter(SplitFunction f) : f_(std::move(f)) {}
  sdk::Split split(const std::vector<sdk::Condition>& conditions, std::uint64_t seed) override {
    return f_(conditions, seed);
  }

 private:
  SplitFunction f_;
};

std::shared_ptr<sdk::Splitter> make(SplitFunction f) { return std::make_shared<FunctionSplitter>(std::move(f)); }

const char* kSeenHelp =
    "which genes make a test combination seen: \"trained\" (genes in training conditions) or \"drawn\" "
    "(GEARS: drawn as seen, even if only in test combinations)";

}  // namespace

void register_splitters(sdk::Registrar& r) {
  r.add<sdk::Splitter>("none",
                       "Nothing held out: every perturbed condition trains (task = \"network\" only, e.g. a network "
                       "read off every perturbation of a screen)",
                       sdk::OptionSchema{}, [](const sdk::Options&) {
                         return make([](const std::vector<sdk::Condition>& conditions, std::uint64_t) {
                           sdk::Split split;
                           for (const auto& c : conditions) split.train.push_back(c.name);
                           return split;
                         });
                       });
  r.add<sdk::Splitter>(
      "simulation", "GEARS simulation split: unseen genes, combo_seen0/1/2 test subgroups, val by the same draw",
      sdk::OptionSchema{}
          .add("train_gene_fraction", 0.75, "fraction of perturbed genes (singles and combos) drawn as seen")
          .greater_than(0)
          .max(1)
          .add("combo_seen2_fraction", 0.25, "fraction of combinations with 2 seen genes held out as test")
          .range(0, 1)
          .add("validation", true, "carve a validation set from the training part by the same procedure")
          .add("val_train_gene_fraction", 0.9, "seen-gene fraction of the validation draw")
          .greater_than(0)
          .max(1)
          .add("val_combo_seen2_fraction", 0.1, "combo_seen2 fraction of the validation draw")
          .range(0, 1)
          .add("seen_rule", "trained", kSeenHelp)
          .choices({"trained", "drawn"}),
      [](const sdk::Options& o) {
        SimulationOptions s;
        s.train_gene_fraction = o.get_double("train_gene_fraction");
        s.combo_seen2_fraction = o.get_double("combo_seen2_fraction");
        s.validation = o.get_bool("validation");
        s.val_train_gene_fraction = o.get_double("val_train_gene_fraction");
        s.val_combo_seen2_fraction = o.get_double("val_combo_seen2_fraction");
        s.seen = seen_rule_from_string(o.get_string("seen_rule"), o.where());
        return make([s](const auto& c, std::uint64_t seed) { return simulation_split(c, seed, s); });
      });
  r.add<sdk::Splitter>("single", "Hold out a fraction of single-gene perturbations (unseen_single)",
                 sdk::OptionSchema{}
                     .add("test_fraction", 0.1, "fraction of single-perturbation genes held out as test")
                     .greater_than(0)
                     .max(1)
                     .add("val_fraction", 0.1, "fraction of the remaining single genes used for validation")
                     .range(0, 1),
                 [](const sdk::Options& o) {
                   const double t = o.get_double("test_fraction"), v = o.get_double("val_fraction");
                   return make([t, v](const auto& c, std::uint64_t seed) { return single_split(c, seed, t, v); });
                 });
  for (int k = 0; k <= 2; ++k) {
    sdk::OptionSchema schema;
    if (k < 2) schema.add("train_gene_fraction", 0.75, "fraction of perturbed genes drawn as seen");
    else schema.add("combo_seen2_fraction", 0.25, "fraction of combinations held out as test");
    schema.greater_than(0).max(1);
    schema.add("val_fraction", 0.1, "fraction of the training conditions used for validation").range(0, 1);
    schema.add("seen_rule", "trained", kSeenHelp).choices({"trained", "drawn"});
    r.add<sdk::Splitter>("combo_seen" + std::to_string(k),
                   "Test only combinations with " + std::to_string(k) + " seen gene(s)", schema,
                   [k](const sdk::Options& o) {
                     ComboSeenOptions s;
                     if (k < 2) s.train_gene_fraction = o.get_double("train_gene_fraction");
                     else s.combo_seen2_fraction = o.get_double("combo_seen2_fraction");
                     s.val_fraction = o.get_double("val_fraction");
                     s.seen = seen_rule_from_string(o.get_string("seen_rule"), o.where());
                     return make([k, s](const auto& c, std::uint64_t seed) { return combo_seen_split(c, seed, k, s); });
                   });
  }
  r.add<sdk::Splitter>("custom", "Train / val / test condition lists read from a TOML file",
                 sdk::OptionSchema{}.require("file", sdk::OptionType::path,
                                             "TOML file with arrays train, val, test (and optional [subgroups])"),
                 [](const sdk::Options& o) {
                   const std::string file = o.get_path("file");
                   return make([file](const auto& c, std::uint64_t) { return custom_split(c, file); });
                 });
  r.add<sdk::Splitter>("transfer",
                       "Covariate transfer: hold a perturbation out in one cell context while it trains in the others "
                       "(needs [data] context)",
                       sdk::OptionSchema{}
                           .add("test_fraction", 0.3,
                                "fraction of the conditions whose perturbation is measured in two or more contexts held out "
                                "as test")
                           .greater_than(0)
                           .max(1)
                           .add("val_fraction", 0.0, "fraction of the other such conditions held out for validation")
                           .range(0, 1),
                       [](const sdk::Options& o) {
                         const double t = o.get_double("test_fraction"), v = o.get_double("val_fraction");
                         return make([t, v](const auto& c, std::uint64_t seed) { return transfer_split(c, seed, t, v); });
                       });
  r.add<sdk::Splitter>("doubles", "Ahlmann-Eltze: all singles + part of the doubles train, the other doubles test",
                 sdk::OptionSchema{}
                     .add("test_fraction", 0.5, "fraction of the combinations held out as test")
                     .greater_than(0)
                     .max(1)
                     .add("val_fraction", 0.0, "fraction of the training combinations used for validation")
                     .range(0, 1),
                 [](const sdk::Options& o) {
                   const double t = o.get_double("test_fraction"), v = o.get_double("val_fraction");
                   return make([t, v](const auto& c, std::uint64_t seed) { return doubles_split(c, seed, t, v); });
                 });
}

}  // namespace trellis::core::split
