#pragma once
// Reading and writing AnnData `.h5ad` files (the anndata >= 0.8 encodings).

#include <filesystem>
#include <string>
#include <vector>

#include "trellis/sdk/table.hpp"

namespace trellis::core::io {

struct H5adWriteOptions {
  /// gzip level 0-9 for X and the obs/var columns. 0 (no compression) reads
  /// and writes fastest; anndata writes uncompressed by default too.
  int compression = 0;
};

struct H5adReadOptions {
  /// false: NaN and Inf in X are read as they are (the structure is still
  /// checked), for callers that report them with row and column names.
  bool check_finite = true;
};

/// Reads X (dense `array`, `csr_matrix` or `csc_matrix`; CSC becomes CSR),
/// obs and var (`dataframe` with categorical, string-array, numeric,
/// nullable-integer and nullable-boolean columns) and uns (nested `dict`s into
/// JSON). layers, obsm, varm, obsp, varp and raw are not read. Encodings
/// other than these, and files without encoding attributes (anndata < 0.8),
/// are refused with a trellis::sdk::Error naming the file and the element;
/// unsupported elements inside uns are skipped with a warning. X is checked
/// with CsrMatrix::validate (values too, unless options.check_finite is
/// false) and against the lengths of obs and var.
sdk::AnnData read_h5ad(const std::filesystem::path& file, const H5adReadOptions& options = {});

/// Writes X as csr_matrix (float32 data, int32 indices, int64 indptr), obs,
/// var and uns with the attributes anndata 0.8 writes, to a temporary file
/// beside `file` that is renamed over it at the end: on any error `file` is
/// left as it was. `guide_counts` and `guides` are not written.
void write_h5ad(const sdk::AnnData& data, const std::filesystem::path& file, const H5adWriteOptions& options = {});

/// Names that occur more than once in `frame.index`, each once, in order of
/// first occurrence. anndata allows duplicates; a screen's genes must not.
std::vector<std::string> duplicate_names(const sdk::DataFrame& frame);

}  // namespace trellis::core::io
