#pragma once
/// @file table.hpp
/// In-memory AnnData: a sparse cells x features matrix with its obs and var
/// tables. What readers return and writers take; free of LibTorch so that
/// I/O code compiles quickly.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "trellis/sdk/bulk_vector.hpp"
#include "trellis/sdk/export.hpp"

namespace trellis::sdk {

/// Compressed sparse rows (rows = cells). Column indices fit in int32; row
/// pointers are int64 so that screens with more than 2^31 non-zeros work.
struct TRELLIS_SDK_API CsrMatrix {
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  std::vector<std::int64_t> indptr{0};  ///< rows + 1 entries, non-decreasing, from 0 to nnz
  /// Column of each stored value, in [0, cols). BulkVector: `resize` leaves
  /// new elements uninitialised, so fill what you resize.
  BulkVector<std::int32_t> indices;
  BulkVector<float> values;

  std::int64_t nnz() const { return static_cast<std::int64_t>(values.size()); }
  /// Throws trellis::sdk::Error naming `where` on the first inconsistency
  /// (sizes, indptr not monotone or out of range, indices out of range,
  /// NaN/Inf values), with the row and column of a bad entry.
  void validate(const std::string& where) const;
  /// validate() without the check of the values: for callers that report
  /// NaN/Inf themselves (by cell and gene name, or by counting them).
  void validate_structure(const std::string& where) const;
  /// The same matrix with rows and columns swapped.
  CsrMatrix transposed() const;
  /// The rows `keep` (in that order).
  CsrMatrix select_rows(const std::vector<std::int64_t>& keep) const;
  /// The columns `keep` (in that order; new column j = old column keep[j]).
  CsrMatrix select_cols(const std::vector<std::int64_t>& keep) const;
};

/// One column of an obs or var table, in one of anndata's encodings.
struct TRELLIS_SDK_API Column {
  enum class Kind { categorical, string, integer, real, boolean };
  Kind kind = Kind::string;
  std::vector<std::string> categories;  ///< categorical
  std::vector<std::int32_t> codes;      ///< categorical; -1 = missing
  std::vector<std::string> strings;     ///< string
  std::vector<std::int64_t> integers;   ///< integer (also nullable integer)
  std::vector<double> reals;            ///< real
  std::vector<std::uint8_t> booleans;   ///< boolean (also nullable boolean)
  std::vector<std::uint8_t> missing;    ///< nullable integer/boolean: 1 = missing; empty = none missing

  std::size_t size() const;
  bool is_missing(std::size_t row) const;
  /// The value of a row as text ("" when missing); works for every kind.
  std::string text(std::size_t row) const;

  static Column from_strings(std::vector<std::string> values);
  /// Categorical with categories in order of first appearance.
  static Column categorical_from(const std::vector<std::string>& values);
  static Column from_reals(std::vector<double> values);
  static Column from_integers(std::vector<std::int64_t> values);
};

/// An obs or var table: an index of row names and named columns.
struct TRELLIS_SDK_API DataFrame {
  std::string index_name = "_index";
  std::vector<std::string> index;
  std::vector<std::string> column_order;
  std::map<std::string, Column> columns;

  std::size_t size() const { return index.size(); }
  bool has(const std::string& name) const { return columns.count(name) > 0; }
  /// The column `name`; throws trellis::sdk::Error naming `where` and listing the columns.
  const Column& column(const std::string& name, const std::string& where) const;
  /// Adds or replaces a column (kept in column_order).
  void set(const std::string& name, Column column);
  /// The rows `keep` (in that order).
  DataFrame select(const std::vector<std::int64_t>& keep) const;
};

/// Cells x features with annotations, as in an AnnData `.h5ad` file.
struct TRELLIS_SDK_API AnnData {
  CsrMatrix X;
  DataFrame obs;         ///< one row per cell
  DataFrame var;         ///< one row per feature (gene)
  nlohmann::json uns = nlohmann::json::object();
  /// Guide (gRNA) UMI counts, cells x guides; empty when the data has none.
  CsrMatrix guide_counts;
  /// One row per guide: index = guide id, column `target` = targeted gene
  /// (a non-targeting label for controls).
  DataFrame guides;
};

}  // namespace trellis::sdk
