#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <set>

#include "trellis/io/h5ad.hpp"
#include "trellis/io/hdf5_util.hpp"
#include "trellis/io/matrix_values.hpp"
#include "trellis/sdk/error.hpp"

namespace trellis::core::io {

namespace {

using hdf5::Handle;
using sdk::Column;
using sdk::Error;

// Element names become HDF5 link names: '/' would nest them.
void check_key(const std::string& key, const std::string& where) {
  if (key.empty()) throw Error(where + ": empty names cannot be stored in an .h5ad file");
  if (key.find('/') != std::string::npos)
    throw Error(where + ": the name '" + key + "' contains '/', which an .h5ad file cannot store; rename it");
}

void set_encoding(hid_t object, const char* type, const char* version) {
  hdf5::set_string_attribute(object, "encoding-type", type);
  hdf5::set_string_attribute(object, "encoding-version", version);
}

struct Writer {
  std::string file;  // the final name, for messages
  Handle root;
  int compression = 0;

  std::string at(const std::string& element) const { return file + ": " + element; }

  Handle numbers(hid_t location, const std::string& name, const std::string& element, hid_t memory_type,
                 hid_t file_type, const void* data, std::size_t n) {
    Handle d = hdf5::write_dataset(location, name, memory_type, file_type, data, {n}, compression, at(element));
    set_encoding(d, "array", "0.2.0");
    return d;
  }

  void booleans(hid_t location, const std::string& name, const std::string& element,
                const std::vector<std::uint8_t>& values) {
    Handle type = hdf5::bool_type();
    std::vector<std::int8_t> bytes(values.begin(), values.end());
    for (auto& b : bytes) b = b != 0;
    numbers(location, name, element, type, type, bytes.data(), bytes.size());
  }

  void strings(hid_t location, const std::string& name, const std::string& element,
               const std::vector<std::string>& values) {
    Handle d = hdf5::write_strings(location, name, values, compression, at(element));
    set_encoding(d, "string-array", "0.2.0");
  }

  void column(hid_t frame, const std::string& name, const std::string& element, const Column& c) {
    switch (c.kind) {
      case Column::Kind::categorical: {
        std::set<std::string> unique(c.categories.begin(), c.categories.end());
        if (unique.size() != c.categories.size())
          throw Error(at(element) + ": categorical column has duplicate categories; pandas requires them unique");
        const auto n_categories = static_cast<std::int32_t>(c.categories.size());
        for (std::size_t i = 0; i < c.codes.size(); ++i)
          if (c.codes[i] < -1 || c.codes[i] >= n_categories)
            throw Error(at(element) + ": code " + std::to_string(c.codes[i]) + " at row " + std::to_string(i) +
                        " is out of range (" + std::to_string(n_categories) + " categories; -1 means missing)");
        Handle g = hdf5::create_group(frame, name, at(element));
        set_encoding(g, "categorical", "0.2.0");
        hdf5::set_bool_attribute(g, "ordered", false);
        // The smallest signed type that holds the codes, as pandas chooses.
        if (n_categories < 128) {
          std::vector<std::int8_t> codes(c.codes.begin(), c.codes.end());
          numbers(g, "codes", element + "/codes", H5T_NATIVE_INT8, H5T_STD_I8LE, codes.data(), codes.size());
        } else if (n_categories < 32768) {
          std::vector<std::int16_t> codes(c.codes.begin(), c.codes.end());
          numbers(g, "codes", element + "/codes", H5T_NATIVE_INT16, H5T_STD_I16LE, codes.data(), codes.size());
        } else {
          numbers(g, "codes", element + "/codes", H5T_NATIVE_INT32, H5T_STD_I32LE, c.codes.data(), c.codes.size());
        }
        strings(g, "categories", element + "/categories", c.categories);
        return;
      }
      case Column::Kind::string:
        strings(frame, name, element, c.strings);
        return;
      case Column::Kind::real:
        numbers(frame, name, element, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, c.reals.data(), c.reals.size());
        return;
      case Column::Kind::integer:
      case Column::Kind::boolean: {
        const bool boolean = c.kind == Column::Kind::boolean;
        if (!c.missing.empty() && c.missing.size() != c.size())
          throw Error(at(element) + ": the missing-value mask has " + std::to_string(c.missing.size()) +
                      " entries but the column has " + std::to_string(c.size()));
        hid_t location = frame;
        std::string values_name = name, values_element = element;
        Handle g;
        if (!c.missing.empty()) {
          g = hdf5::create_group(frame, name, at(element));
          set_encoding(g, boolean ? "nullable-boolean" : "nullable-integer", "0.1.0");
          location = g;
          values_name = "values";
          values_element = element + "/values";
        }
        if (boolean)
          booleans(location, values_name, values_element, c.booleans);
        else
          numbers(location, values_name, values_element, H5T_NATIVE_INT64, H5T_STD_I64LE, c.integers.data(),
                  c.integers.size());
        if (!c.missing.empty()) booleans(g, "mask", element + "/mask", c.missing);
        return;
      }
    }
  }

  void dataframe(const sdk::DataFrame& frame, const std::string& element) {
    const std::string index_name = frame.index_name.empty() ? "_index" : frame.index_name;
    check_key(index_name, at(element) + " index name");
    std::vector<std::string> order;
    std::set<std::string> listed;
    for (const auto& name : frame.column_order) {
      if (!listed.insert(name).second) throw Error(at(element) + ": column '" + name + "' is listed twice");
      if (!frame.has(name)) throw Error(at(element) + ": column '" + name + "' is in column_order but has no data");
      order.push_back(name);
    }
    for (const auto& [name, c] : frame.columns)
      if (listed.insert(name).second) order.push_back(name);
    for (const auto& name : order) {
      check_key(name, at(element) + " column");
      if (name == index_name || name == "_index")
        throw Error(at(element) + ": column '" + name + "' has the name of the index; rename it");
      const auto size = frame.columns.at(name).size();
      if (size != frame.size())
        throw Error(at(element + "/" + name) + " has " + std::to_string(size) + " entries but " + element + " has " +
                    std::to_string(frame.size()) + " rows");
    }
    Handle g = hdf5::create_group(root, element, at(element));
    set_encoding(g, "dataframe", "0.2.0");
    hdf5::set_string_attribute(g, "_index", index_name);
    hdf5::set_strings_attribute(g, "column-order", order);
    strings(g, index_name, element + "/" + index_name, frame.index);
    for (const auto& name : order) column(g, name, element + "/" + name, frame.columns.at(name));
  }

  void matrix(const sdk::CsrMatrix& x) {
    Handle g = hdf5::create_group(root, "X", at("X"));
    set_encoding(g, "csr_matrix", "0.1.0");
    hdf5::set_int_attribute(g, "shape", {x.rows, x.cols});
    hdf5::write_dataset(g, "data", H5T_NATIVE_FLOAT, H5T_IEEE_F32LE, x.values.data(), {x.values.size()}, compression,
                        at("X/data"));
    hdf5::write_dataset(g, "indices", H5T_NATIVE_INT32, H5T_STD_I32LE, x.indices.data(), {x.indices.size()},
                        compression, at("X/indices"));
    hdf5::write_dataset(g, "indptr", H5T_NATIVE_INT64, H5T_STD_I64LE, x.indptr.data(), {x.indptr.size()}, compression,
                        at("X/indptr"));
  }

  // JSON arrays become N-D arrays when rectangular and of one leaf type.
  void shape_of(const nlohmann::json& value, std::size_t axis, std::vector<hsize_t>& dims, const std::string& element) {
    if (!value.is_array()) {
      if (axis != dims.size()) throw Error(at(element) + ": nested lists must be rectangular to be stored");
      return;
    }
    if (axis == dims.size())
      dims.push_back(value.size());
    else if (dims[axis] != value.size())
      throw Error(at(element) + ": nested lists must be rectangular to be stored");
    for (const auto& v : value) shape_of(v, axis + 1, dims, element);
  }

  static void flatten(const nlohmann::json& value, std::vector<const nlohmann::json*>& out) {
    if (!value.is_array()) {
      out.push_back(&value);
      return;
    }
    for (const auto& v : value) flatten(v, out);
  }

  void uns_value(hid_t group, const std::string& key, const nlohmann::json& value, const std::string& element) {
    check_key(key, at(element));
    if (value.is_object()) {
      Handle g = hdf5::create_group(group, key, at(element));
      set_encoding(g, "dict", "0.1.0");
      for (const auto& [k, v] : value.items()) uns_value(g, k, v, element + "/" + k);
      return;
    }
    if (value.is_null())
      throw Error(at(element) + " is null, which an .h5ad file cannot store; remove it or use a string");
    std::vector<hsize_t> dims;
    shape_of(value, 0, dims, element);
    std::vector<const nlohmann::json*> leaves;
    flatten(value, leaves);
    const bool scalar = !value.is_array();
    auto all = [&](auto test) { return std::all_of(leaves.begin(), leaves.end(), [&](auto* v) { return test(*v); }); };
    Handle d;
    if (!leaves.empty() && all([](const nlohmann::json& v) { return v.is_string(); })) {
      std::vector<std::string> texts;
      for (auto* v : leaves) texts.push_back(v->get<std::string>());
      if (!scalar && dims.size() != 1) throw Error(at(element) + ": only 1-D lists of strings can be stored");
      d = hdf5::write_strings(group, key, texts, 0, at(element), scalar);
      set_encoding(d, scalar ? "string" : "string-array", "0.2.0");
      return;
    }
    if (!leaves.empty() && all([](const nlohmann::json& v) { return v.is_boolean(); })) {
      Handle type = hdf5::bool_type();
      std::vector<std::int8_t> bytes;
      for (auto* v : leaves) bytes.push_back(v->get<bool>() ? 1 : 0);
      d = hdf5::write_dataset(group, key, type, type, bytes.data(), dims, 0, at(element));
    } else if (all([](const nlohmann::json& v) { return v.is_number_integer(); }) && !leaves.empty()) {
      std::vector<std::int64_t> numbers;
      for (auto* v : leaves) numbers.push_back(v->get<std::int64_t>());
      d = hdf5::write_dataset(group, key, H5T_NATIVE_INT64, H5T_STD_I64LE, numbers.data(), dims, 0, at(element));
    } else if (all([](const nlohmann::json& v) { return v.is_number(); })) {
      // Includes the empty list, which numpy stores as float64 too.
      std::vector<double> numbers;
      for (auto* v : leaves) numbers.push_back(v->get<double>());
      d = hdf5::write_dataset(group, key, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, numbers.data(), dims, 0, at(element));
    } else {
      throw Error(at(element) +
                  ": lists must hold only numbers, only booleans or only strings to be stored in an .h5ad file");
    }
    set_encoding(d, scalar ? "numeric-scalar" : "array", "0.2.0");
  }

  void empty_dict(const char* name) {
    Handle g = hdf5::create_group(root, name, at(name));
    set_encoding(g, "dict", "0.1.0");
  }

  void write_all(const sdk::AnnData& data) {
    set_encoding(root, "anndata", "0.1.0");
    matrix(data.X);
    dataframe(data.obs, "obs");
    dataframe(data.var, "var");
    for (const char* name : {"layers", "obsm", "obsp", "varm", "varp"}) empty_dict(name);
    if (!data.uns.is_null() && !data.uns.is_object()) throw Error(at("uns") + " must be a JSON object");
    Handle uns = hdf5::create_group(root, "uns", at("uns"));
    set_encoding(uns, "dict", "0.1.0");
    if (data.uns.is_object())
      for (const auto& [k, v] : data.uns.items()) uns_value(uns, k, v, "uns/" + k);
  }
};

std::atomic<int> temp_counter{0};

}  // namespace

void write_h5ad(const sdk::AnnData& data, const std::filesystem::path& file, const H5adWriteOptions& options) {
  const std::string name = file.string();
  data.X.validate_structure(name + ": X");
  if (data.X.rows != static_cast<std::int64_t>(data.obs.size()))
    throw Error(name + ": X has " + std::to_string(data.X.rows) + " rows but obs has " +
                std::to_string(data.obs.size()) + " cells");
  if (data.X.cols != static_cast<std::int64_t>(data.var.size()))
    throw Error(name + ": X has " + std::to_string(data.X.cols) + " columns but var has " +
                std::to_string(data.var.size()) + " genes");
  check_finite(data.X, data.obs.index, data.var.index, name + ": X");

  const std::string temp = name + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(temp_counter++);
  hdf5::QuietErrors quiet;
  try {
    Writer writer{name, {}, options.compression};
    writer.root = hdf5::own(H5Fcreate(temp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                            name + ": cannot create '" + temp + "' (is the folder writable?)");
    writer.write_all(data);
    writer.root.close(name + ": cannot finish writing '" + temp + "'");
  } catch (...) {
    std::remove(temp.c_str());
    throw;
  }
  std::error_code ec;
  std::filesystem::rename(temp, file, ec);
  if (ec) {
    std::remove(temp.c_str());
    throw Error(name + ": cannot move the finished file into place: " + ec.message());
  }
}

}  // namespace trellis::core::io
