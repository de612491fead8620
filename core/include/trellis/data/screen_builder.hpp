#pragma once
// Turns preprocessed cells x genes data with per-cell condition labels into
// the read-only sdk::Screen view models consume.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "trellis/sdk/data.hpp"
#include "trellis/sdk/table.hpp"

namespace trellis::core::data {

/// Owns a screen and the gene table its view points into (so it is neither
/// copied nor moved: hold it by unique_ptr).
struct ScreenData {
  sdk::GeneTable genes;
  sdk::Screen screen;
  ScreenData() = default;
  ScreenData(const ScreenData&) = delete;
  ScreenData& operator=(const ScreenData&) = delete;
};

/// One cell's condition, already parsed.
struct CellCondition {
  std::string label;                 ///< as spelled in the dataset (GEARS style keeps "A+ctrl")
  std::vector<std::string> genes;    ///< sorted; empty for control
  sdk::PerturbationType type = sdk::PerturbationType::unknown;
  std::string context;               ///< "" without [data] context; the condition is named label@context
};

/// The condition name of a cell: its label, or label@context with a context.
std::string condition_name(const CellCondition& cell);

/// Builds the screen. `expression` is cells x measured genes on the model
/// scale, its columns in the order of `genes.measured()`; its buffers move
/// into the screen's tensors without a copy. `cells` has one entry per row.
/// Conditions are numbered in order of first appearance, control included;
/// every perturbed gene must be in `genes`.
std::unique_ptr<ScreenData> build_screen(sdk::CsrMatrix expression, const std::vector<CellCondition>& cells,
                                         sdk::GeneTable genes,
                                         std::map<std::string, std::vector<std::string>> covariates = {});

}  // namespace trellis::core::data
