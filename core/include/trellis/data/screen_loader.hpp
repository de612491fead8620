#pragma once
// Reads a dataset as the [data] config describes it and turns it into a
// screen: reader -> guide assignment -> cell selection -> conditions ->
// normalisation and HVG -> gene universe with annotation -> sdk::Screen.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "trellis/data/data_config.hpp"
#include "trellis/data/screen_builder.hpp"
#include "trellis/preprocess/pipeline.hpp"

namespace trellis::core::plugin {
class PluginHost;
}

namespace trellis::core::data {

/// What happened while loading, for logs and `trellis data inspect`.
struct LoadReport {
  std::string dataset;
  std::string path;
  std::string reader;                 ///< e.g. "reader/h5ad"
  std::int64_t cells_read = 0;
  std::int64_t genes_read = 0;
  std::vector<std::pair<std::string, std::int64_t>> excluded;  ///< reason -> cells
  std::string values;                 ///< "counts (normalised to 1e4 + log1p)" or "log-normalised"
  std::string guide_summary;          ///< guide assignment outcome, when guides were assigned
  std::string annotation;             ///< annotation source and coverage summary
  std::string annotation_genes;       ///< genes lacking each kind of knowledge (for --genes)
  std::vector<std::string> problems;  ///< warnings a user should see
};

struct LoadedScreen {
  std::unique_ptr<ScreenData> data;
  LoadReport report;
  /// Pseudobulk, control mean and DE rankings over the screen's conditions
  /// (same numbering) and measured genes.
  preprocess::Preprocessed preprocessed;
};

/// Loads the screen `config` describes, using the reader components of `host`.
LoadedScreen load_screen(const DataConfig& config, const plugin::PluginHost& host);

/// A multi-line human-readable summary of a loaded screen (cells, genes,
/// conditions, smallest groups, control count, values and, when
/// `with_problems`, the problems found while loading).
std::string describe(const LoadedScreen& loaded, bool with_problems = true);

}  // namespace trellis::core::data
