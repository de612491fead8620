#pragma once
// How an .h5ad file stores X, found without reading X's values.

#include <cstdint>
#include <filesystem>
#include <string>

namespace trellis::core::io {

struct H5adMatrixLayout {
  std::string encoding;     ///< "dense", "CSR" or "CSC"
  std::string dtype;        ///< numpy-style type of the stored values: float32, float64, int64, uint16, bool, ...
  std::string index_dtype;  ///< CSR / CSC: type of the column (row) indices; empty for dense
  std::int64_t rows = 0, cols = 0;
  std::int64_t stored = 0;  ///< stored values (rows x cols for dense)
};

/// Reads X's encoding-type, shape and element types. Throws
/// trellis::sdk::Error naming the file when X is missing or not one of
/// array / csr_matrix / csc_matrix.
H5adMatrixLayout read_h5ad_matrix_layout(const std::filesystem::path& file);

}  // namespace trellis::core::io
