#include <spdlog/spdlog.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <unordered_map>

#include "trellis/io/h5ad.hpp"
#include "trellis/io/hdf5_util.hpp"
#include "trellis/sdk/error.hpp"

namespace trellis::core::io {

namespace {

using hdf5::Handle;
using sdk::Column;
using sdk::Error;

constexpr const char* column_encodings = "array, string-array, categorical, nullable-integer, nullable-boolean";
constexpr const char* matrix_encodings = "array, csr_matrix, csc_matrix";

// One open file and its name, for messages of the form "<file>: <element> ...".
struct Source {
  std::string file;
  Handle root;

  std::string at(const std::string& element) const { return file + ": " + element; }

  Handle open(const std::string& element) const {
    if (!hdf5::has_link(root, element)) throw Error(at(element) + " is missing");
    return hdf5::own(H5Oopen(root, element.c_str(), H5P_DEFAULT), "cannot open " + at(element));
  }

  std::string encoding(hid_t object, const std::string& element) const {
    if (!hdf5::has_attribute(object, "encoding-type")) return "";
    return hdf5::read_string_attribute(object, "encoding-type", at(element));
  }

  // Like encoding(), but files from anndata < 0.8 (no encoding attributes) are refused.
  std::string required_encoding(hid_t object, const std::string& element) const {
    const std::string type = encoding(object, element);
    if (type.empty())
      throw Error(at(element) +
                  " has no 'encoding-type' attribute: the file was written by anndata older than 0.8, which Trellis "
                  "does not read. Re-save it with anndata >= 0.8 (anndata.read_h5ad(f).write_h5ad(f)).");
    return type;
  }

  [[noreturn]] void unsupported(const std::string& element, const std::string& type, const char* supported) const {
    throw Error(at(element) + " has encoding-type '" + type +
                "', which Trellis does not read (supported: " + supported + ")");
  }
};

H5T_class_t type_class(hid_t dataset) {
  Handle type = hdf5::own(H5Dget_type(dataset), "cannot read a dataset's type");
  return H5Tget_class(type);
}

bool has_bool_type(hid_t dataset) {
  Handle type = hdf5::own(H5Dget_type(dataset), "cannot read a dataset's type");
  return hdf5::is_bool_type(type);
}

std::size_t element_count(hid_t dataset) {
  hsize_t n = 1;
  for (auto d : hdf5::dimensions(dataset)) n *= d;
  return static_cast<std::size_t>(n);
}

// A 1-D dataset as a column: numbers, booleans or strings.
Column read_array_column(const Source& source, hid_t dataset, const std::string& element) {
  const auto where = source.at(element);
  const auto dims = hdf5::dimensions(dataset);
  if (dims.size() != 1)
    throw Error(where + " has " + std::to_string(dims.size()) + " dimensions; obs/var columns must be 1-D");
  Column column;
  const auto cls = type_class(dataset);
  if (has_bool_type(dataset)) {
    column.kind = Column::Kind::boolean;
    column.booleans = hdf5::read_booleans(dataset, where);
  } else if (cls == H5T_INTEGER) {
    column.kind = Column::Kind::integer;
    column.integers = hdf5::read_vector<std::int64_t>(dataset, where);
  } else if (cls == H5T_FLOAT) {
    column.kind = Column::Kind::real;
    column.reals = hdf5::read_vector<double>(dataset, where);
  } else if (cls == H5T_STRING) {
    column.kind = Column::Kind::string;
    column.strings = hdf5::read_strings(dataset, where);
  } else {
    throw Error(where + " holds neither numbers, booleans nor strings");
  }
  return column;
}

Column read_column(const Source& source, const std::string& element);

// `ordered` is not kept: sdk::Column has no place for it, and it only
// changes how pandas sorts the categories.
Column read_categorical(const Source& source, const std::string& element) {
  const auto where = source.at(element);
  Column categories = read_column(source, element + "/categories");
  Column column;
  column.kind = Column::Kind::categorical;
  column.categories.reserve(categories.size());
  for (std::size_t i = 0; i < categories.size(); ++i) column.categories.push_back(categories.text(i));
  Handle codes = source.open(element + "/codes");
  if (hdf5::is_group(codes) || type_class(codes) != H5T_INTEGER || hdf5::dimensions(codes).size() != 1)
    throw Error(where + "/codes should be a 1-D integer array");
  column.codes = hdf5::read_vector<std::int32_t>(codes, where + "/codes");
  const auto n_categories = static_cast<std::int32_t>(column.categories.size());
  for (std::size_t i = 0; i < column.codes.size(); ++i)
    if (column.codes[i] < -1 || column.codes[i] >= n_categories)
      throw Error(where + "/codes: code " + std::to_string(column.codes[i]) + " at row " + std::to_string(i) +
                  " is out of range (" + std::to_string(n_categories) + " categories; -1 means missing)");
  return column;
}

Column read_nullable(const Source& source, const std::string& element, bool boolean) {
  const auto where = source.at(element);
  Handle values = source.open(element + "/values");
  if (hdf5::is_group(values)) throw Error(where + "/values should be an array");
  Column column;
  if (boolean) {
    column.kind = Column::Kind::boolean;
    column.booleans = hdf5::read_booleans(values, where + "/values");
  } else {
    if (type_class(values) != H5T_INTEGER) throw Error(where + "/values should hold integers");
    column.kind = Column::Kind::integer;
    column.integers = hdf5::read_vector<std::int64_t>(values, where + "/values");
  }
  if (hdf5::has_link(source.root, element + "/mask")) {
    Handle mask = source.open(element + "/mask");
    if (hdf5::is_group(mask)) throw Error(where + "/mask should be an array");
    column.missing = hdf5::read_booleans(mask, where + "/mask");
    if (column.missing.size() != column.size())
      throw Error(where + ": mask has " + std::to_string(column.missing.size()) + " entries but values has " +
                  std::to_string(column.size()));
  }
  return column;
}

Column read_column(const Source& source, const std::string& element) {
  Handle object = source.open(element);
  const std::string type = source.required_encoding(object, element);
  if (hdf5::is_group(object)) {
    if (type == "categorical") return read_categorical(source, element);
    if (type == "nullable-integer") return read_nullable(source, element, false);
    if (type == "nullable-boolean") return read_nullable(source, element, true);
  } else if (type == "array" || type == "string-array") {
    return read_array_column(source, object, element);
  }
  source.unsupported(element, type, column_encodings);
}

sdk::DataFrame read_dataframe(const Source& source, const std::string& element) {
  Handle group = source.open(element);
  const std::string type = source.required_encoding(group, element);
  if (type != "dataframe" || !hdf5::is_group(group)) source.unsupported(element, type, "dataframe");
  const auto where = source.at(element);
  if (!hdf5::has_attribute(group, "_index")) throw Error(where + " has no '_index' attribute naming its index");
  sdk::DataFrame frame;
  frame.index_name = hdf5::read_string_attribute(group, "_index", where);
  if (hdf5::has_attribute(group, "column-order")) {
    Handle attribute = hdf5::own(H5Aopen(group, "column-order", H5P_DEFAULT), "cannot open " + where);
    Handle attribute_type = hdf5::own(H5Aget_type(attribute), "cannot read " + where);
    // h5py stores an empty list as an empty float array.
    if (H5Tget_class(attribute_type) == H5T_STRING)
      frame.column_order = hdf5::read_strings_attribute(group, "column-order", where);
  }
  const Column index = read_column(source, element + "/" + frame.index_name);
  frame.index.reserve(index.size());
  for (std::size_t i = 0; i < index.size(); ++i) frame.index.push_back(index.text(i));
  for (const auto& name : frame.column_order) {
    if (frame.columns.count(name)) throw Error(where + " lists column '" + name + "' twice in its column-order");
    Column column = read_column(source, element + "/" + name);
    if (column.size() != frame.size())
      throw Error(source.at(element + "/" + name) + " has " + std::to_string(column.size()) + " entries but " +
                  element + " has " + std::to_string(frame.size()) + " rows");
    frame.columns.emplace(name, std::move(column));
  }
  return frame;
}

// --- X -----------------------------------------------------------------------------

sdk::CsrMatrix read_dense(const Source& source, hid_t dataset) {
  const auto where = source.at("X");
  const auto dims = hdf5::dimensions(dataset);
  if (dims.size() != 2)
    throw Error(where + " is a dense array with " + std::to_string(dims.size()) + " dimensions, expected 2");
  const auto cls = type_class(dataset);
  if (cls != H5T_INTEGER && cls != H5T_FLOAT && !has_bool_type(dataset)) throw Error(where + " does not hold numbers");
  sdk::CsrMatrix m;
  m.rows = static_cast<std::int64_t>(dims[0]);
  m.cols = static_cast<std::int64_t>(dims[1]);
  m.indptr.assign(1, 0);
  m.indptr.reserve(static_cast<std::size_t>(m.rows) + 1);
  Handle bool_type;
  hid_t memory_type = H5T_NATIVE_FLOAT;
  const bool booleans = has_bool_type(dataset);
  if (booleans) {
    // Booleans cannot be converted to float by HDF5; read bytes and widen.
    bool_type = hdf5::bool_type();
    memory_type = bool_type;
  }
  const hsize_t block = hdf5::rows_per_block(dataset, dims[1], hsize_t{1} << 22);
  std::vector<float> buffer;
  std::vector<std::int8_t> bytes;
  for (hsize_t first = 0; first < dims[0]; first += block) {
    const hsize_t count = std::min(block, dims[0] - first);
    const std::size_t n = static_cast<std::size_t>(count * dims[1]);
    buffer.resize(n);
    if (booleans) {
      bytes.resize(n);
      hdf5::read_rows(dataset, memory_type, bytes.data(), first, count, dims[1], where);
      std::copy(bytes.begin(), bytes.end(), buffer.begin());
    } else {
      hdf5::read_rows(dataset, memory_type, buffer.data(), first, count, dims[1], where);
    }
    for (hsize_t r = 0; r < count; ++r) {
      const float* row = buffer.data() + r * dims[1];
      for (hsize_t c = 0; c < dims[1]; ++c)
        if (row[c] != 0.0f) {
          m.indices.push_back(static_cast<std::int32_t>(c));
          m.values.push_back(row[c]);
        }
      m.indptr.push_back(static_cast<std::int64_t>(m.values.size()));
    }
  }
  return m;
}

// Checks `m`'s structure, and its values too unless `check_finite` is false:
// then NaN and Inf are kept for a caller that can name their row and column.
void validate_matrix(sdk::CsrMatrix& m, const std::string& where, bool check_finite) {
  if (check_finite) {
    m.validate(where);
    return;
  }
  // validate() refuses non-finite values as well: hide them from it.
  std::vector<std::pair<std::size_t, float>> hidden;
  for (std::size_t k = 0; k < m.values.size(); ++k)
    if (!std::isfinite(m.values[k])) {
      hidden.emplace_back(k, m.values[k]);
      m.values[k] = 0.0f;
    }
  m.validate(where);
  for (const auto& [k, v] : hidden) m.values[k] = v;
}

// csr_matrix as is; csc_matrix read as the CSR of its transpose.
sdk::CsrMatrix read_compressed(const Source& source, const std::string& element, bool csc,
                               const std::vector<std::int64_t>& shape, bool check_finite) {
  const auto where = source.at(element);
  sdk::CsrMatrix m;
  m.rows = csc ? shape[1] : shape[0];
  m.cols = csc ? shape[0] : shape[1];
  if (m.cols > INT32_MAX)
    throw Error(where + " has " + std::to_string(m.cols) + (csc ? " rows" : " columns") +
                "; Trellis supports at most 2^31 - 1");
  for (const char* part : {"data", "indices", "indptr"}) {
    Handle d = source.open(element + "/" + part);
    if (hdf5::is_group(d) || hdf5::dimensions(d).size() != 1)
      throw Error(where + "/" + part + " should be a 1-D array");
    const auto cls = type_class(d);
    if (cls != H5T_INTEGER && (cls != H5T_FLOAT || std::string(part) != "data"))
      throw Error(where + "/" + part + " should hold " + (std::string(part) == "data" ? "numbers" : "integers"));
  }
  Handle indptr = source.open(element + "/indptr");
  m.indptr = hdf5::read_vector<std::int64_t>(indptr, where + "/indptr");
  if (static_cast<std::int64_t>(m.indptr.size()) != m.rows + 1)
    throw Error(where + "/indptr has " + std::to_string(m.indptr.size()) + " entries, expected " +
                std::to_string(m.rows + 1) + " for shape (" + std::to_string(shape[0]) + ", " +
                std::to_string(shape[1]) + ")");
  // Without a chunk cache HDF5 reads whole unfiltered chunks straight into
  // the destination instead of copying them through the cache.
  Handle access = hdf5::own(H5Pcreate(H5P_DATASET_ACCESS), where + ": cannot make dataset properties");
  hdf5::ok(H5Pset_chunk_cache(access, 0, 0, H5D_CHUNK_CACHE_W0_DEFAULT), where + ": cannot set the chunk cache");
  Handle indices =
      hdf5::own(H5Dopen2(source.root, (element + "/indices").c_str(), access), "cannot open " + where + "/indices");
  Handle data = hdf5::own(H5Dopen2(source.root, (element + "/data").c_str(), access), "cannot open " + where + "/data");
  const std::size_t nnz = element_count(data);
  if (element_count(indices) != nnz)
    throw Error(where + ": indices has " + std::to_string(element_count(indices)) + " entries but data has " +
                std::to_string(nnz));
  m.indices.resize(nnz);
  hdf5::read_numbers(indices, H5T_NATIVE_INT32, sizeof(std::int32_t), m.indices.data(), nnz, where + "/indices");
  m.values.resize(nnz);
  hdf5::read_numbers(data, H5T_NATIVE_FLOAT, sizeof(float), m.values.data(), nnz, where + "/data");
  if (csc) {
    validate_matrix(m, where + " (csc_matrix, checked as its transpose: rows are its columns)", check_finite);
    return m.transposed();
  }
  return m;
}

sdk::CsrMatrix read_x(const Source& source, std::int64_t n_obs, std::int64_t n_var, bool check_finite) {
  const std::string element = "X";
  if (!hdf5::has_link(source.root, element))
    throw Error(source.file + " has no X (the expression matrix); Trellis needs one");
  Handle object = source.open(element);
  const std::string type = source.required_encoding(object, element);
  std::vector<std::int64_t> shape;
  if (!hdf5::is_group(object) && type == "array") {
    const auto dims = hdf5::dimensions(object);
    for (auto d : dims) shape.push_back(static_cast<std::int64_t>(d));
  } else if (hdf5::is_group(object) && (type == "csr_matrix" || type == "csc_matrix")) {
    if (!hdf5::has_attribute(object, "shape")) throw Error(source.at(element) + " has no 'shape' attribute");
    shape = hdf5::read_int_attribute(object, "shape", source.at(element));
  } else {
    source.unsupported(element, type, matrix_encodings);
  }
  if (shape.size() != 2)
    throw Error(source.at(element) + " has " + std::to_string(shape.size()) +
                " dimensions, expected 2 (cells x genes)");
  if (shape[0] != n_obs)
    throw Error(source.at(element) + " has " + std::to_string(shape[0]) + " rows but obs has " + std::to_string(n_obs) +
                " cells: the file is inconsistent");
  if (shape[1] != n_var)
    throw Error(source.at(element) + " has " + std::to_string(shape[1]) + " columns but var has " +
                std::to_string(n_var) + " genes: the file is inconsistent");
  sdk::CsrMatrix m =
      type == "array" ? read_dense(source, object)
                      : read_compressed(source, element, type == "csc_matrix", shape, check_finite);
  validate_matrix(m, source.at(element), check_finite);
  return m;
}

// --- uns -----------------------------------------------------------------------------

// Nested JSON arrays of `dims` shape from flat values.
template <class T>
nlohmann::json nest(const std::vector<T>& flat, const std::vector<hsize_t>& dims, std::size_t axis, std::size_t& next) {
  if (axis == dims.size()) return nlohmann::json(flat[next++]);
  nlohmann::json out = nlohmann::json::array();
  for (hsize_t i = 0; i < dims[axis]; ++i) out.push_back(nest(flat, dims, axis + 1, next));
  return out;
}

template <class T>
nlohmann::json nested(const std::vector<T>& flat, const std::vector<hsize_t>& dims) {
  std::size_t next = 0;
  return nest(flat, dims, 0, next);
}

nlohmann::json read_uns_array(const Source& source, hid_t dataset, const std::string& element) {
  const auto where = source.at(element);
  const auto dims = hdf5::dimensions(dataset);
  const auto cls = type_class(dataset);
  if (has_bool_type(dataset)) {
    const auto values = hdf5::read_booleans(dataset, where);
    std::vector<bool> flags(values.begin(), values.end());
    return nested(flags, dims);
  }
  if (cls == H5T_INTEGER) return nested(hdf5::read_vector<std::int64_t>(dataset, where), dims);
  if (cls == H5T_FLOAT) return nested(hdf5::read_vector<double>(dataset, where), dims);
  if (cls == H5T_STRING) return nested(hdf5::read_strings(dataset, where), dims);
  throw Error(where + " holds neither numbers, booleans nor strings");
}

nlohmann::json read_uns(const Source& source, const std::string& element) {
  nlohmann::json out = nlohmann::json::object();
  Handle group = source.open(element);
  for (const auto& name : hdf5::member_names(group, source.at(element))) {
    const std::string child = element + "/" + name;
    Handle object = source.open(child);
    const std::string type = source.required_encoding(object, child);
    if (hdf5::is_group(object) && type == "dict") {
      out[name] = read_uns(source, child);
    } else if (!hdf5::is_group(object) &&
               (type == "array" || type == "string-array" || type == "numeric-scalar" || type == "string")) {
      out[name] = read_uns_array(source, object, child);
    } else if (hdf5::is_group(object) && type == "categorical") {
      const Column c = read_categorical(source, child);
      nlohmann::json values = nlohmann::json::array();
      for (std::size_t i = 0; i < c.size(); ++i)
        values.push_back(c.is_missing(i) ? nlohmann::json() : nlohmann::json(c.text(i)));
      out[name] = std::move(values);
    } else {
      // uns is free-form (scanpy keeps data frames and record arrays there):
      // losing one entry must not make the whole screen unreadable.
      spdlog::warn(
          "{} has encoding-type '{}', which Trellis does not read in uns (supported: dict, array, "
          "string-array, numeric-scalar, string, categorical); skipping it",
          source.at(child), type);
    }
  }
  return out;
}

}  // namespace

sdk::AnnData read_h5ad(const std::filesystem::path& file, const H5adReadOptions& options) {
  const std::string name = file.string();
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) throw Error(name + ": no such file");
  if (std::filesystem::is_directory(file, ec)) throw Error(name + ": is a directory, expected an .h5ad file");
  hdf5::QuietErrors quiet;
  const htri_t is_hdf5 = H5Fis_hdf5(name.c_str());
  if (is_hdf5 == 0) throw Error(name + ": not an HDF5 file (no HDF5 signature), so not an .h5ad file");
  if (is_hdf5 < 0) hdf5::fail(name + ": cannot read the file");

  Source source{name, {}};
  {
    Handle access = hdf5::own(H5Pcreate(H5P_FILE_ACCESS), name + ": cannot make file properties");
    H5Pset_fclose_degree(access, H5F_CLOSE_STRONG);
    source.root = hdf5::own(H5Fopen(name.c_str(), H5F_ACC_RDONLY, access),
                            name + ": cannot open the HDF5 file (is it truncated or damaged?)");
  }
  if (hdf5::has_attribute(source.root, "encoding-type")) {
    const auto type = hdf5::read_string_attribute(source.root, "encoding-type", name + ": the root group");
    if (type != "anndata") throw Error(name + ": the root group has encoding-type '" + type + "', expected 'anndata'");
  }
  sdk::AnnData data;
  data.obs = read_dataframe(source, "obs");
  data.var = read_dataframe(source, "var");
  data.X = read_x(source, static_cast<std::int64_t>(data.obs.size()), static_cast<std::int64_t>(data.var.size()),
                  options.check_finite);
  if (hdf5::has_link(source.root, "uns")) data.uns = read_uns(source, "uns");
  source.root.close(name + ": cannot close the file");
  return data;
}

std::vector<std::string> duplicate_names(const sdk::DataFrame& frame) {
  std::unordered_map<std::string, int> seen;
  std::vector<std::string> duplicates;
  for (const auto& name : frame.index)
    if (++seen[name] == 2) duplicates.push_back(name);
  return duplicates;
}

}  // namespace trellis::core::io
