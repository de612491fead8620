#pragma once
// Dense expression tables as CSV or TSV (plain or gzip): BEELINE's layout
// (genes as rows, cells as columns, a header of cell names and a first
// column of gene names), or its transpose.

#include <filesystem>

#include "trellis/sdk/table.hpp"

namespace trellis::core::io {

/// Reads a dense table whose header row names the columns after a first
/// (index) field and whose every other row starts with its name. With
/// `genes_by_cells` rows are genes and columns cells (BEELINE's
/// ExpressionData.csv); otherwise the transpose. The separator is a comma,
/// or a tab when the header holds no comma. Every cell gets obs column
/// `condition` = `control_label`: such tables carry no perturbations.
/// Throws trellis::sdk::Error naming the file, line and column for a
/// non-numeric or non-finite value or a row of the wrong length, and naming
/// both lines for a gene (or cell) listed twice.
sdk::AnnData read_dense_csv(const std::filesystem::path& path, bool genes_by_cells, const std::string& control_label);

}  // namespace trellis::core::io
