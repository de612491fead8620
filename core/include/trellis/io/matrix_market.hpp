#pragma once
// MatrixMarket coordinate files (.mtx, .mtx.gz), the exchange format of 10x
// Genomics output and of most count matrices published with screens.

#include <cstdint>
#include <filesystem>
#include <string>

#include "trellis/sdk/table.hpp"

namespace trellis::core::io {

/// What the header and size line of a MatrixMarket file declare.
struct MatrixMarketHeader {
  std::string field;     ///< "real", "integer" or "pattern"
  std::string symmetry;  ///< "general", "symmetric" or "skew-symmetric"
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  std::int64_t entries = 0;  ///< stored entries as declared on the size line
};

/// Reads only the header and size line (cheap, for checking shapes early).
MatrixMarketHeader read_matrix_market_header(const std::filesystem::path& path);

/// Reads a coordinate MatrixMarket file (real, integer or pattern values;
/// general, symmetric or skew-symmetric; 1-based indices; plain or gzip).
/// `transpose` swaps rows and columns while reading (a genes x cells file
/// becomes cells x genes). Repeated coordinates are summed, as scipy does;
/// pattern entries read as 1. Column indices are sorted within each row.
/// Throws trellis::sdk::Error naming the file and line for a malformed
/// header, a bad entry, an index out of range, or an entry count that
/// disagrees with the size line.
sdk::CsrMatrix read_matrix_market(const std::filesystem::path& path, bool transpose = false);

/// A count matrix in MatrixMarket format with its row and column names in
/// separate files, optionally with guide counts (the layout of many
/// published screens). Empty paths are absent files.
struct MtxSidecarSpec {
  std::filesystem::path matrix;         ///< counts (required)
  std::filesystem::path genes;          ///< gene names, one per line (required)
  /// Cells: ".txt" = one name per line; otherwise a TSV/CSV table with a
  /// header whose first column names the cells and whose other columns go
  /// into obs. Absent: cells are named "0", "1", ...
  std::filesystem::path cells;
  std::filesystem::path guide_counts;   ///< guide UMI counts, same orientation as `matrix`
  std::filesystem::path guides;         ///< guide names, one per line (required with guide_counts)
  /// Table with a header: guide name, target gene. Absent: targets derived
  /// from guide names by target_from_guide_name (tenx.hpp).
  std::filesystem::path guide_targets;
  bool genes_by_cells = true;           ///< matrices are genes x cells (else cells x genes)
};

/// Reads a MtxSidecarSpec into X = cells x genes (var index = gene names),
/// obs from `cells`, and `guide_counts` (cells x guides) with `guides`
/// (index = guide name, column `target`, "" for guides the target table
/// does not list). Every shape is checked against the name files before the
/// matrices are read; errors name both files that disagree, and a target
/// table naming a guide absent from `guides` is an error.
sdk::AnnData read_mtx_with_sidecars(const MtxSidecarSpec& spec);

}  // namespace trellis::core::io
