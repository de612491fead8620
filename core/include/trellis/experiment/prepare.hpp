#pragma once
// The shared first half of `trellis run` and `trellis predict`: load the
// data, split it (or take a saved split), assemble the model and build its
// features and graphs into a FitContext.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "trellis/experiment/fitting_view.hpp"
#include "trellis/data/screen_loader.hpp"
#include "trellis/model/assembly.hpp"
#include "trellis/sdk/predictor.hpp"
#include "trellis/sdk/split.hpp"

namespace trellis::core::experiment {

/// Everything a fit or a reload needs. Not copyable: the context points
/// into the loaded screen.
struct Prepared {
  data::LoadedScreen loaded;
  sdk::Split split;
  std::string split_type;
  std::uint64_t split_seed = 0;
  std::vector<std::int64_t> train, val, test;  ///< indices into screen.conditions
  model::AssembledModel model;
  /// What the model is built and fitted on: no test condition, no test cell.
  FittingView fitting;
  sdk::FitContext context;  ///< over `fitting`

  Prepared() = default;
  Prepared(const Prepared&) = delete;
  Prepared& operator=(const Prepared&) = delete;
  const sdk::Screen& screen() const { return loaded.data->screen; }
};

/// The data half of prepare(): loads `[data]` (an error when absent), splits
/// the perturbed conditions as `[split]` says — or uses `saved_split` — and
/// checks the split. `model` and `context` are left empty: this is all that
/// scoring predictions made elsewhere needs (`trellis eval`).
std::unique_ptr<Prepared> prepare_data(const toml::table& config, const plugin::PluginHost& host,
                                       const std::optional<sdk::Split>& saved_split = std::nullopt);

/// Loads `[data]` (an error when absent), splits the perturbed conditions as
/// `[split]` says — or uses `saved_split` — checks the split (a test set
/// that is empty is an error), assembles `[model]`, builds every encoder's
/// features and graph (relation-typed when `[model.relations]` is set), and
/// fills the FitContext (`trainer` left null). Encoders, graph constructors
/// and the FitContext see the fitting view only: control, training and
/// validation conditions and their cells.
std::unique_ptr<Prepared> prepare(const toml::table& config, const plugin::PluginHost& host,
                                  const std::optional<sdk::Split>& saved_split = std::nullopt);

/// Indices of the named conditions; an unknown name is an error naming
/// `where` (e.g. the split file) and the nearest condition of the screen.
std::vector<std::int64_t> condition_indices(const sdk::Screen& screen, const std::vector<std::string>& names,
                                            const std::string& where);

/// Symbols of the measured genes, in column order.
std::vector<std::string> measured_gene_names(const sdk::Screen& screen);

}  // namespace trellis::core::experiment
