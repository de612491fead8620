#include "trellis/io/h5ad_layout.hpp"

#include "trellis/io/hdf5_util.hpp"
#include "trellis/sdk/error.hpp"

namespace trellis::core::io {

namespace {

using hdf5::Handle;

// numpy's name for an HDF5 element type, as a user knows it from anndata.
std::string dtype_name(hid_t dataset, const std::string& where) {
  Handle type = hdf5::own(H5Dget_type(dataset), "cannot read the type of " + where);
  if (hdf5::is_bool_type(type)) return "bool";
  const std::string bits = std::to_string(8 * H5Tget_size(type));
  switch (H5Tget_class(type)) {
    case H5T_FLOAT: return "float" + bits;
    case H5T_INTEGER: return (H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + bits;
    case H5T_STRING: return "string";
    default: return "other";
  }
}

}  // namespace

H5adMatrixLayout read_h5ad_matrix_layout(const std::filesystem::path& file) {
  const std::string name = file.string();
  hdf5::QuietErrors quiet;
  Handle root = hdf5::own(H5Fopen(name.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), name + ": cannot open the HDF5 file");
  if (!hdf5::has_link(root, "X")) throw sdk::Error(name + " has no X (the expression matrix)");
  Handle x = hdf5::own(H5Oopen(root, "X", H5P_DEFAULT), name + ": cannot open X");
  const std::string type =
      hdf5::has_attribute(x, "encoding-type") ? hdf5::read_string_attribute(x, "encoding-type", name + ": X") : "";
  H5adMatrixLayout layout;
  if (!hdf5::is_group(x)) {
    layout.encoding = "dense";
    layout.dtype = dtype_name(x, name + ": X");
    const auto dims = hdf5::dimensions(x);
    if (dims.size() == 2) {
      layout.rows = static_cast<std::int64_t>(dims[0]);
      layout.cols = static_cast<std::int64_t>(dims[1]);
    }
    layout.stored = layout.rows * layout.cols;
    return layout;
  }
  if (type != "csr_matrix" && type != "csc_matrix")
    throw sdk::Error(name + ": X has encoding-type '" + type + "' (supported: array, csr_matrix, csc_matrix)");
  layout.encoding = type == "csr_matrix" ? "CSR" : "CSC";
  const auto shape = hdf5::read_int_attribute(x, "shape", name + ": X");
  if (shape.size() == 2) {
    layout.rows = shape[0];
    layout.cols = shape[1];
  }
  for (const char* part : {"data", "indices"}) {
    if (!hdf5::has_link(x, part)) throw sdk::Error(name + ": X/" + part + " is missing");
    Handle d = hdf5::own(H5Dopen2(x, part, H5P_DEFAULT), name + ": cannot open X/" + part);
    const std::string dtype = dtype_name(d, name + ": X/" + part);
    if (std::string(part) == "data") {
      layout.dtype = dtype;
      const auto dims = hdf5::dimensions(d);
      layout.stored = dims.empty() ? 0 : static_cast<std::int64_t>(dims[0]);
    } else {
      layout.index_dtype = dtype;
    }
  }
  return layout;
}

}  // namespace trellis::core::io
