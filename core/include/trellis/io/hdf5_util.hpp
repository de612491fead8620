#pragma once
// Thin helpers over the HDF5 C API: owning handles, quiet error handling
// whose messages carry HDF5's own error stack, and bulk reads and writes of
// whole datasets and attributes (never one HDF5 call per element).

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

namespace trellis::core::io::hdf5 {

/// Owns an HDF5 identifier of any kind (file, group, dataset, attribute,
/// dataspace, datatype, property list) and closes it once.
class Handle {
 public:
  Handle() noexcept = default;
  explicit Handle(hid_t id) noexcept : id_(id) {}
  Handle(Handle&& other) noexcept;
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }

  hid_t get() const noexcept { return id_; }
  operator hid_t() const noexcept { return id_; }  // NOLINT: lets handles go straight into H5* calls
  void reset() noexcept;
  /// Closes now and throws (with `what` and HDF5's message) when closing
  /// fails, which for a file means its data may not have reached the disk.
  void close(const std::string& what);

 private:
  hid_t id_ = H5I_INVALID_HID;
};

/// While alive, HDF5 does not print its error stack to stderr; the stack is
/// turned into exception text instead (see fail()).
class QuietErrors {
 public:
  QuietErrors();
  ~QuietErrors();
  QuietErrors(const QuietErrors&) = delete;
  QuietErrors& operator=(const QuietErrors&) = delete;

 private:
  H5E_auto2_t function_ = nullptr;
  void* data_ = nullptr;
};

/// The current HDF5 error stack as one line, innermost cause last; clears it.
std::string error_stack();
/// Throws trellis::sdk::Error "<what> (HDF5: <error stack>)".
[[noreturn]] void fail(const std::string& what);
/// `id` as a Handle, or fail(what) when the call that returned it failed.
Handle own(hid_t id, const std::string& what);
/// fail(what) when an HDF5 call returned a negative status.
void ok(herr_t status, const std::string& what);

// --- inspecting ---------------------------------------------------------------

bool has_link(hid_t location, const std::string& name);
bool has_attribute(hid_t object, const std::string& name);
bool is_group(hid_t object);
/// Dimensions of a dataset (empty for a scalar).
std::vector<hsize_t> dimensions(hid_t dataset);
/// Names of a group's members, in name order.
std::vector<std::string> member_names(hid_t group, const std::string& where);
/// True for h5py's boolean type (an enum with members FALSE and TRUE).
bool is_bool_type(hid_t type);

// --- reading ------------------------------------------------------------------

/// All elements of a string-typed attribute (variable or fixed length).
std::vector<std::string> read_strings_attribute(hid_t object, const std::string& name, const std::string& where);
/// A string attribute holding exactly one value.
std::string read_string_attribute(hid_t object, const std::string& name, const std::string& where);
/// All elements of a numeric attribute, converted to int64.
std::vector<std::int64_t> read_int_attribute(hid_t object, const std::string& name, const std::string& where);
/// A boolean (h5py enum) or integer attribute with one value.
bool read_bool_attribute(hid_t object, const std::string& name, const std::string& where);

/// All elements of a string dataset, in storage order.
std::vector<std::string> read_strings(hid_t dataset, const std::string& where);

/// Reads `count` elements of a numeric dataset (all of it, flattened) into
/// `out`, converted by HDF5 to `memory_type`, one block of whole chunks at a
/// time straight into the destination.
void read_numbers(hid_t dataset, hid_t memory_type, std::size_t element_size, void* out, hsize_t count,
                  const std::string& where);
/// Reads rows [first, first + count) of a 2-D numeric dataset with `columns`
/// columns into `out` as `memory_type`.
void read_rows(hid_t dataset, hid_t memory_type, void* out, hsize_t first, hsize_t count, hsize_t columns,
               const std::string& where);
/// Rows per block for block-wise reads of a 2-D dataset: whole chunks,
/// about `target_elements` elements.
hsize_t rows_per_block(hid_t dataset, hsize_t columns, hsize_t target_elements);

template <class T>
hid_t native_type();
template <>
inline hid_t native_type<float>() {
  return H5T_NATIVE_FLOAT;
}
template <>
inline hid_t native_type<double>() {
  return H5T_NATIVE_DOUBLE;
}
template <>
inline hid_t native_type<std::int8_t>() {
  return H5T_NATIVE_INT8;
}
template <>
inline hid_t native_type<std::int16_t>() {
  return H5T_NATIVE_INT16;
}
template <>
inline hid_t native_type<std::int32_t>() {
  return H5T_NATIVE_INT32;
}
template <>
inline hid_t native_type<std::int64_t>() {
  return H5T_NATIVE_INT64;
}
template <>
inline hid_t native_type<std::uint64_t>() {
  return H5T_NATIVE_UINT64;
}

/// A whole 1-D (or scalar) numeric dataset as a vector of T.
template <class T>
std::vector<T> read_vector(hid_t dataset, const std::string& where) {
  hsize_t n = 1;
  for (auto d : dimensions(dataset)) n *= d;
  std::vector<T> out(static_cast<std::size_t>(n));
  read_numbers(dataset, native_type<T>(), sizeof(T), out.data(), n, where);
  return out;
}

/// A whole boolean (or integer) dataset as 0/1 bytes.
std::vector<std::uint8_t> read_booleans(hid_t dataset, const std::string& where);

// --- writing ------------------------------------------------------------------

/// h5py's boolean type: an int8 enum {FALSE = 0, TRUE = 1}.
Handle bool_type();
/// Variable-length UTF-8 strings, as h5py writes `str`.
Handle string_type();

Handle create_group(hid_t location, const std::string& name, const std::string& where);
void set_string_attribute(hid_t object, const std::string& name, const std::string& value);
void set_strings_attribute(hid_t object, const std::string& name, const std::vector<std::string>& values);
void set_int_attribute(hid_t object, const std::string& name, const std::vector<std::int64_t>& values);
void set_bool_attribute(hid_t object, const std::string& name, bool value);

/// Creates dataset `name` of `file_type` with `dims` (empty = scalar) and
/// writes `data` (in `memory_type`) in one call. `compression` > 0 chunks
/// 1-D datasets and gzips them at that level.
Handle write_dataset(hid_t location, const std::string& name, hid_t memory_type, hid_t file_type, const void* data,
                     const std::vector<hsize_t>& dims, int compression, const std::string& where);
/// A 1-D dataset (or a scalar when `scalar`) of variable-length UTF-8 strings.
Handle write_strings(hid_t location, const std::string& name, const std::vector<std::string>& values, int compression,
                     const std::string& where, bool scalar = false);

}  // namespace trellis::core::io::hdf5
