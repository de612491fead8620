#include "trellis/io/hdf5_util.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "trellis/sdk/error.hpp"

namespace trellis::core::io::hdf5 {

// --- handles and errors ---------------------------------------------------------

Handle::Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)) {}

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    reset();
    id_ = std::exchange(other.id_, H5I_INVALID_HID);
  }
  return *this;
}

namespace {

herr_t close_id(hid_t id) {
  switch (H5Iget_type(id)) {
    case H5I_FILE:
      return H5Fclose(id);
    case H5I_GROUP:
      return H5Gclose(id);
    case H5I_DATASET:
      return H5Dclose(id);
    case H5I_ATTR:
      return H5Aclose(id);
    case H5I_DATASPACE:
      return H5Sclose(id);
    case H5I_DATATYPE:
      return H5Tclose(id);
    case H5I_GENPROP_LST:
      return H5Pclose(id);
    default:
      return -1;
  }
}

}  // namespace

void Handle::reset() noexcept {
  if (id_ < 0) return;
  if (close_id(id_) < 0) H5Eclear2(H5E_DEFAULT);
  id_ = H5I_INVALID_HID;
}

void Handle::close(const std::string& what) {
  const hid_t id = std::exchange(id_, H5I_INVALID_HID);
  if (id >= 0 && close_id(id) < 0) fail(what);
}

QuietErrors::QuietErrors() {
  H5Eget_auto2(H5E_DEFAULT, &function_, &data_);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

QuietErrors::~QuietErrors() { H5Eset_auto2(H5E_DEFAULT, function_, data_); }

namespace {

herr_t collect_error(unsigned /*n*/, const H5E_error2_t* error, void* data) {
  auto& parts = *static_cast<std::vector<std::string>*>(data);
  std::string text = error->desc ? error->desc : "";
  char minor[256] = {0};
  if (H5Eget_msg(error->min_num, nullptr, minor, sizeof minor) > 0 && *minor && text.find(minor) == std::string::npos)
    text += text.empty() ? std::string(minor) : " (" + std::string(minor) + ")";
  if (!text.empty() && (parts.empty() || parts.back() != text)) parts.push_back(text);
  return 0;
}

}  // namespace

std::string error_stack() {
  std::vector<std::string> parts;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect_error, &parts);
  H5Eclear2(H5E_DEFAULT);
  if (parts.empty()) return "no details";
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

void fail(const std::string& what) { throw sdk::Error(what + " (HDF5: " + error_stack() + ")"); }

Handle own(hid_t id, const std::string& what) {
  if (id < 0) fail(what);
  return Handle(id);
}

void ok(herr_t status, const std::string& what) {
  if (status < 0) fail(what);
}

// --- inspecting -------------------------------------------------------------------

bool has_link(hid_t location, const std::string& name) {
  // H5Lexists needs every intermediate link to exist, so walk the path.
  std::string prefix;
  std::size_t start = 0;
  while (start <= name.size()) {
    const auto slash = name.find('/', start);
    prefix = name.substr(0, slash);
    const htri_t found = H5Lexists(location, prefix.c_str(), H5P_DEFAULT);
    if (found <= 0) {
      H5Eclear2(H5E_DEFAULT);
      return false;
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return true;
}

bool has_attribute(hid_t object, const std::string& name) {
  const htri_t found = H5Aexists(object, name.c_str());
  if (found < 0) H5Eclear2(H5E_DEFAULT);
  return found > 0;
}

bool is_group(hid_t object) { return H5Iget_type(object) == H5I_GROUP; }

std::vector<hsize_t> dimensions(hid_t dataset) {
  Handle space = own(H5Dget_space(dataset), "cannot read a dataset's shape");
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 0) fail("cannot read a dataset's shape");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0) H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  return dims;
}

namespace {

herr_t collect_name(hid_t /*group*/, const char* name, const H5L_info_t* /*info*/, void* data) {
  static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  return 0;
}

}  // namespace

std::vector<std::string> member_names(hid_t group, const std::string& where) {
  std::vector<std::string> names;
  hsize_t index = 0;
  ok(H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, &index, collect_name, &names), where + ": cannot list members");
  return names;
}

bool is_bool_type(hid_t type) {
  if (H5Tget_class(type) != H5T_ENUM || H5Tget_nmembers(type) != 2) return false;
  for (unsigned i = 0; i < 2; ++i) {
    char* name = H5Tget_member_name(type, i);
    if (!name) {
      H5Eclear2(H5E_DEFAULT);
      return false;
    }
    const std::string s = name;
    H5free_memory(name);
    if (s != "FALSE" && s != "TRUE") return false;
  }
  return true;
}

// --- reading ------------------------------------------------------------------------

namespace {

// Strings of either kind; `read` fills a buffer given a memory type.
template <class Read>
std::vector<std::string> read_strings_with(hid_t type, hid_t space, Read read, const std::string& where) {
  if (H5Tget_class(type) != H5T_STRING) throw sdk::Error(where + " does not hold strings");
  const hssize_t points = H5Sget_simple_extent_npoints(space);
  if (points < 0) fail(where + ": cannot read its size");
  const auto n = static_cast<std::size_t>(points);
  std::vector<std::string> out;
  if (n == 0) return out;
  out.reserve(n);
  Handle memory = own(H5Tcopy(H5T_C_S1), where + ": cannot make a string type");
  H5Tset_cset(memory, H5Tget_cset(type));
  if (H5Tis_variable_str(type) > 0) {
    ok(H5Tset_size(memory, H5T_VARIABLE), where + ": cannot make a string type");
    std::vector<char*> buffer(n, nullptr);
    ok(read(memory.get(), static_cast<void*>(buffer.data())), where + ": cannot read its strings");
    for (char* s : buffer) out.emplace_back(s ? s : "");
    H5Dvlen_reclaim(memory, space, H5P_DEFAULT, buffer.data());
  } else {
    const std::size_t size = H5Tget_size(type);
    ok(H5Tset_size(memory, size), where + ": cannot make a string type");
    const H5T_str_t pad = H5Tget_strpad(type);
    H5Tset_strpad(memory, pad);
    std::vector<char> buffer(n * size + 1, '\0');
    ok(read(memory.get(), static_cast<void*>(buffer.data())), where + ": cannot read its strings");
    for (std::size_t i = 0; i < n; ++i) {
      const char* s = buffer.data() + i * size;
      std::string value(s, strnlen(s, size));
      if (pad == H5T_STR_SPACEPAD) value.erase(value.find_last_not_of(' ') + 1);
      out.push_back(std::move(value));
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> read_strings_attribute(hid_t object, const std::string& name, const std::string& where) {
  const std::string at = where + " attribute '" + name + "'";
  Handle attribute = own(H5Aopen(object, name.c_str(), H5P_DEFAULT), "cannot open " + at);
  Handle type = own(H5Aget_type(attribute), "cannot read the type of " + at);
  Handle space = own(H5Aget_space(attribute), "cannot read the shape of " + at);
  return read_strings_with(
      type, space, [&](hid_t memory, void* buffer) { return H5Aread(attribute, memory, buffer); }, at);
}

std::string read_string_attribute(hid_t object, const std::string& name, const std::string& where) {
  auto values = read_strings_attribute(object, name, where);
  if (values.size() != 1)
    throw sdk::Error(where + " attribute '" + name + "' should hold one string, found " +
                     std::to_string(values.size()));
  return values.front();
}

std::vector<std::int64_t> read_int_attribute(hid_t object, const std::string& name, const std::string& where) {
  const std::string at = where + " attribute '" + name + "'";
  Handle attribute = own(H5Aopen(object, name.c_str(), H5P_DEFAULT), "cannot open " + at);
  Handle type = own(H5Aget_type(attribute), "cannot read the type of " + at);
  Handle space = own(H5Aget_space(attribute), "cannot read the shape of " + at);
  const auto type_class = H5Tget_class(type);
  if (type_class != H5T_INTEGER && type_class != H5T_FLOAT) throw sdk::Error(at + " should hold integers");
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  std::vector<std::int64_t> values(static_cast<std::size_t>(std::max<hssize_t>(n, 0)));
  if (!values.empty()) ok(H5Aread(attribute, H5T_NATIVE_INT64, values.data()), "cannot read " + at);
  return values;
}

bool read_bool_attribute(hid_t object, const std::string& name, const std::string& where) {
  const std::string at = where + " attribute '" + name + "'";
  Handle attribute = own(H5Aopen(object, name.c_str(), H5P_DEFAULT), "cannot open " + at);
  Handle type = own(H5Aget_type(attribute), "cannot read the type of " + at);
  if (is_bool_type(type)) {
    Handle memory = bool_type();
    std::int8_t value = 0;
    ok(H5Aread(attribute, memory, &value), "cannot read " + at);
    return value != 0;
  }
  const auto values = read_int_attribute(object, name, where);
  if (values.size() != 1) throw sdk::Error(at + " should hold one boolean");
  return values.front() != 0;
}

std::vector<std::string> read_strings(hid_t dataset, const std::string& where) {
  Handle type = own(H5Dget_type(dataset), where + ": cannot read its type");
  Handle space = own(H5Dget_space(dataset), where + ": cannot read its shape");
  return read_strings_with(
      type, space,
      [&](hid_t memory, void* buffer) { return H5Dread(dataset, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer); },
      where);
}

namespace {

// Elements per block read: large enough to amortise per-call costs, small
// enough that HDF5's own buffers stay small.
constexpr hsize_t block_elements = hsize_t{1} << 22;

hsize_t chunk_elements(hid_t dataset, int rank) {
  Handle plist = own(H5Dget_create_plist(dataset), "cannot read a dataset's layout");
  if (H5Pget_layout(plist) != H5D_CHUNKED) return 0;
  std::vector<hsize_t> chunk(static_cast<std::size_t>(rank), 1);
  if (H5Pget_chunk(plist, rank, chunk.data()) < 0) fail("cannot read a dataset's chunk shape");
  return chunk.empty() ? 0 : chunk.front();
}

}  // namespace

void read_numbers(hid_t dataset, hid_t memory_type, std::size_t element_size, void* out, hsize_t count,
                  const std::string& where) {
  if (count == 0) return;
  const auto dims = dimensions(dataset);
  if (dims.size() > 1) {
    // Multi-dimensional (only small ones are read this way, e.g. in uns).
    ok(H5Dread(dataset, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out), where + ": cannot read its values");
    return;
  }
  if (dims.empty() || count <= block_elements) {
    ok(H5Dread(dataset, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out), where + ": cannot read its values");
    return;
  }
  const hsize_t chunk = chunk_elements(dataset, 1);
  const hsize_t block = chunk > 0 ? std::max<hsize_t>(chunk, block_elements / chunk * chunk) : block_elements;
  Handle file_space = own(H5Dget_space(dataset), where + ": cannot read its shape");
  auto* bytes = static_cast<unsigned char*>(out);
  for (hsize_t start = 0; start < count; start += block) {
    const hsize_t n = std::min(block, count - start);
    ok(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, &start, nullptr, &n, nullptr),
       where + ": cannot select a block");
    Handle memory_space = own(H5Screate_simple(1, &n, nullptr), where + ": cannot make a dataspace");
    ok(H5Dread(dataset, memory_type, memory_space, file_space, H5P_DEFAULT, bytes + start * element_size),
       where + ": cannot read values " + std::to_string(start) + " to " + std::to_string(start + n));
  }
}

hsize_t rows_per_block(hid_t dataset, hsize_t columns, hsize_t target_elements) {
  const hsize_t chunk_rows = std::max<hsize_t>(chunk_elements(dataset, 2), 1);
  const hsize_t rows = std::max<hsize_t>(target_elements / std::max<hsize_t>(columns, 1), 1);
  return std::max(chunk_rows, rows / chunk_rows * chunk_rows);
}

void read_rows(hid_t dataset, hid_t memory_type, void* out, hsize_t first, hsize_t count, hsize_t columns,
               const std::string& where) {
  if (count == 0 || columns == 0) return;
  Handle file_space = own(H5Dget_space(dataset), where + ": cannot read its shape");
  const hsize_t start[2] = {first, 0};
  const hsize_t size[2] = {count, columns};
  ok(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, nullptr, size, nullptr), where + ": cannot select rows");
  Handle memory_space = own(H5Screate_simple(2, size, nullptr), where + ": cannot make a dataspace");
  ok(H5Dread(dataset, memory_type, memory_space, file_space, H5P_DEFAULT, out),
     where + ": cannot read rows " + std::to_string(first) + " to " + std::to_string(first + count));
}

std::vector<std::uint8_t> read_booleans(hid_t dataset, const std::string& where) {
  Handle type = own(H5Dget_type(dataset), where + ": cannot read its type");
  hsize_t n = 1;
  for (auto d : dimensions(dataset)) n *= d;
  std::vector<std::uint8_t> out(static_cast<std::size_t>(n));
  if (is_bool_type(type)) {
    Handle memory = bool_type();
    read_numbers(dataset, memory, 1, out.data(), n, where);
  } else if (H5Tget_class(type) == H5T_INTEGER) {
    read_numbers(dataset, H5T_NATIVE_UINT8, 1, out.data(), n, where);
  } else {
    throw sdk::Error(where + " should hold booleans");
  }
  for (auto& b : out) b = b != 0;
  return out;
}

// --- writing ------------------------------------------------------------------------

Handle bool_type() {
  Handle type = own(H5Tenum_create(H5T_NATIVE_INT8), "cannot make the boolean type");
  const std::int8_t no = 0, yes = 1;
  ok(H5Tenum_insert(type, "FALSE", &no), "cannot make the boolean type");
  ok(H5Tenum_insert(type, "TRUE", &yes), "cannot make the boolean type");
  return type;
}

Handle string_type() {
  Handle type = own(H5Tcopy(H5T_C_S1), "cannot make the string type");
  ok(H5Tset_size(type, H5T_VARIABLE), "cannot make the string type");
  ok(H5Tset_cset(type, H5T_CSET_UTF8), "cannot make the string type");
  return type;
}

Handle create_group(hid_t location, const std::string& name, const std::string& where) {
  return own(H5Gcreate2(location, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "cannot create " + where);
}

namespace {

void write_attribute(hid_t object, const std::string& name, hid_t memory_type, hid_t file_type, const void* data,
                     const std::vector<hsize_t>& dims) {
  Handle space =
      own(dims.empty() ? H5Screate(H5S_SCALAR) : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
          "cannot make the dataspace of attribute '" + name + "'");
  if (H5Aexists(object, name.c_str()) > 0) ok(H5Adelete(object, name.c_str()), "cannot replace attribute " + name);
  Handle attribute = own(H5Acreate2(object, name.c_str(), file_type, space, H5P_DEFAULT, H5P_DEFAULT),
                         "cannot create attribute '" + name + "'");
  // HDF5 refuses a null buffer even when there is nothing to write.
  static const char* const nothing = "";
  ok(H5Awrite(attribute, memory_type, data ? data : &nothing), "cannot write attribute '" + name + "'");
}

}  // namespace

void set_string_attribute(hid_t object, const std::string& name, const std::string& value) {
  Handle type = string_type();
  const char* text = value.c_str();
  write_attribute(object, name, type, type, &text, {});
}

void set_strings_attribute(hid_t object, const std::string& name, const std::vector<std::string>& values) {
  Handle type = string_type();
  std::vector<const char*> texts;
  texts.reserve(values.size());
  for (const auto& v : values) texts.push_back(v.c_str());
  write_attribute(object, name, type, type, texts.data(), {values.size()});
}

void set_int_attribute(hid_t object, const std::string& name, const std::vector<std::int64_t>& values) {
  write_attribute(object, name, H5T_NATIVE_INT64, H5T_STD_I64LE, values.data(), {values.size()});
}

void set_bool_attribute(hid_t object, const std::string& name, bool value) {
  Handle type = bool_type();
  const std::int8_t v = value ? 1 : 0;
  write_attribute(object, name, type, type, &v, {});
}

Handle write_dataset(hid_t location, const std::string& name, hid_t memory_type, hid_t file_type, const void* data,
                     const std::vector<hsize_t>& dims, int compression, const std::string& where) {
  Handle space =
      own(dims.empty() ? H5Screate(H5S_SCALAR) : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
          "cannot make the dataspace of " + where);
  Handle create = own(H5Pcreate(H5P_DATASET_CREATE), "cannot make the properties of " + where);
  if (compression > 0 && dims.size() == 1 && dims[0] > 0) {
    const hsize_t chunk = std::min<hsize_t>(dims[0], hsize_t{1} << 18);
    ok(H5Pset_chunk(create, 1, &chunk), "cannot set the chunk shape of " + where);
    ok(H5Pset_deflate(create, static_cast<unsigned>(std::min(compression, 9))), "cannot set gzip on " + where);
  }
  Handle dataset = own(H5Dcreate2(location, name.c_str(), file_type, space, H5P_DEFAULT, create, H5P_DEFAULT),
                       "cannot create " + where);
  hsize_t n = 1;
  for (auto d : dims) n *= d;
  if (n > 0) ok(H5Dwrite(dataset, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "cannot write " + where);
  return dataset;
}

Handle write_strings(hid_t location, const std::string& name, const std::vector<std::string>& values, int compression,
                     const std::string& where, bool scalar) {
  Handle type = string_type();
  std::vector<const char*> texts;
  texts.reserve(values.size());
  for (const auto& v : values) texts.push_back(v.c_str());
  std::vector<hsize_t> dims;
  if (!scalar) dims.push_back(values.size());
  return write_dataset(location, name, type, type, texts.data(), dims, compression, where);
}

}  // namespace trellis::core::io::hdf5
