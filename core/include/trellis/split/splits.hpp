#pragma once
// The split protocols (METHODS.md, "Splits"). Every function takes the
// perturbed conditions (control excluded), sorts them by name before drawing,
// and uses a seeded std::mt19937_64 with its own Fisher-Yates shuffle, so the
// same seed gives the same split on every platform and for any input order.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "trellis/sdk/data.hpp"
#include "trellis/sdk/split.hpp"

namespace trellis::core::split {

/// Which genes make a test combination "seen".
enum class SeenRule {
  /// Genes that occur in a training condition (corrected default).
  trained,
  /// GEARS: genes drawn as seen, even when they occur only in test
  /// combinations (so a `combo_seen1` combo may have no gene in training).
  drawn,
};

/// Parses "trained" / "drawn"; throws trellis::sdk::Error naming `where`.
SeenRule seen_rule_from_string(const std::string& name, const std::string& where);

struct SimulationOptions {
  double train_gene_fraction = 0.75;       ///< perturbed genes (from singles and combos) drawn as seen
  double combo_seen2_fraction = 0.25;      ///< of the combos with 2 seen genes, held out as test
  bool validation = true;                  ///< carve val from train by the same procedure
  double val_train_gene_fraction = 0.9;
  double val_combo_seen2_fraction = 0.1;
  SeenRule seen = SeenRule::trained;
};

/// GEARS `simulation`: a fraction of all perturbed genes is drawn as seen;
/// test = singles of unseen genes (`unseen_single`), combos with 0 seen
/// genes (`combo_seen0`), 1 (`combo_seen1`), and combo_seen2_fraction of the
/// combos with 2 or more seen genes (`combo_seen2`); the rest is train.
/// floor() of each fraction goes to the kept side, as GEARS's int().
sdk::Split simulation_split(const std::vector<sdk::Condition>& conditions, std::uint64_t seed,
                            const SimulationOptions& options = {});

/// `single`: test_fraction of the single-perturbation genes are held out
/// (their singles = `unseen_single`), val_fraction of the remaining ones
/// give val; combinations with a test or val gene are left out of every set
/// (as GEARS's hold-outs), other combinations train.
sdk::Split single_split(const std::vector<sdk::Condition>& conditions, std::uint64_t seed,
                        double test_fraction = 0.1, double val_fraction = 0.1);

struct ComboSeenOptions {
  double train_gene_fraction = 0.75;   ///< for seen 0 and 1
  double combo_seen2_fraction = 0.25;  ///< for seen 2
  double val_fraction = 0.1;           ///< of the training conditions
  SeenRule seen = SeenRule::trained;
};

/// `combo_seen<k>`, k in 0..2: the test set is only that subgroup of the
/// simulation draw. For k < 2 the other conditions with an unseen gene are
/// left out of every set, so the test genes stay unseen; for k = 2 every
/// gene is seen and combo_seen2_fraction of the combos are test. Val is a
/// random val_fraction of the remaining training conditions. With
/// SeenRule::trained the subgroup labels are recomputed from the final
/// training genes, so a drawn-seen gene that occurs only in test combinations
/// (or only in val) lowers its combinations' label.
sdk::Split combo_seen_split(const std::vector<sdk::Condition>& conditions, std::uint64_t seed, int k,
                            const ComboSeenOptions& options = {});

/// Ahlmann-Eltze's doubles protocol: all singles train; of the combinations,
/// floor((1 - test_fraction) * n) train and the rest test; val_fraction of
/// the training combinations go to val (none by default).
sdk::Split doubles_split(const std::vector<sdk::Condition>& conditions, std::uint64_t seed,
                         double test_fraction = 0.5, double val_fraction = 0.0);

/// `transfer` (PerturBench's covariate transfer): of the conditions whose
/// perturbation (gene set) is measured in two or more cell contexts, a
/// test_fraction (at least one) is held out as test and val_fraction of the
/// rest as validation, drawn in a seeded order; a condition is skipped when
/// holding it out would leave its perturbation with no training context or
/// its context with no training perturbation, so every held-out perturbation
/// trains in another context. Subgroups `transfer_single` and
/// `transfer_combo`. Throws when the conditions have fewer than two contexts
/// or no perturbation is measured in two.
sdk::Split transfer_split(const std::vector<sdk::Condition>& conditions, std::uint64_t seed,
                          double test_fraction = 0.3, double val_fraction = 0.0);
/// `custom`: train / val / test lists read from a TOML file (read_split),
/// validated against the conditions; subgroups from the file, or computed
/// from the training genes when the file has none.
sdk::Split custom_split(const std::vector<sdk::Condition>& conditions, const std::filesystem::path& file);

}  // namespace trellis::core::split
