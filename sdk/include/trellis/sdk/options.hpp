#pragma once
/// @file options.hpp
/// Declared, checked component options.
///
/// A component declares its options (name, type, default, help) in an
/// OptionSchema when it is registered. The host checks the user's TOML table
/// against that schema before constructing the component: an unknown key is
/// an error naming the known keys, a value of the wrong type is an error
/// naming the expected type. The component then reads typed values, with
/// defaults filled in, from Options.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/export.hpp"

namespace trellis::sdk {

/// Value types an option can have (TOML types; `real` accepts integers).
enum class OptionType { boolean, integer, real, string, string_list, integer_list, real_list, table };

/// Name of a type as shown in messages ("an integer", "a list of strings", ...).
TRELLIS_SDK_API std::string describe(OptionType type);

/// One declared option.
struct TRELLIS_SDK_API OptionSpec {
  std::string name;
  OptionType type = OptionType::string;
  nlohmann::json default_value;  ///< null when the option is required
  std::string help;
  bool required = false;
};

/// The options a component accepts, in declaration order.
class TRELLIS_SDK_API OptionSchema {
 public:
  OptionSchema& add(const std::string& name, bool default_value, const std::string& help);
  OptionSchema& add(const std::string& name, int default_value, const std::string& help);
  OptionSchema& add(const std::string& name, std::int64_t default_value, const std::string& help);
  OptionSchema& add(const std::string& name, double default_value, const std::string& help);
  OptionSchema& add(const std::string& name, const char* default_value, const std::string& help);
  OptionSchema& add(const std::string& name, const std::string& default_value, const std::string& help);
  OptionSchema& add(const std::string& name, const std::vector<std::string>& default_value,
                    const std::string& help);
  OptionSchema& add(const std::string& name, const std::vector<std::int64_t>& default_value,
                    const std::string& help);
  OptionSchema& add(const std::string& name, const std::vector<double>& default_value,
                    const std::string& help);
  /// A nested table passed through unchecked (for components that forward
  /// it to a sub-component); defaults to an empty table.
  OptionSchema& add_table(const std::string& name, const std::string& help);
  /// An option without default that the user must set.
  OptionSchema& require(const std::string& name, OptionType type, const std::string& help);

  const std::vector<OptionSpec>& specs() const { return specs_; }
  /// The spec named `name`, or nullptr.
  const OptionSpec* find(const std::string& name) const;
  std::vector<std::string> names() const;

 private:
  OptionSchema& add_spec(OptionSpec spec);
  std::vector<OptionSpec> specs_;
};

/// A checked view of a component's option table: every declared option has a
/// value (the user's or the default) of the declared type.
class TRELLIS_SDK_API Options {
 public:
  Options() = default;
  /// Checks `values` (a JSON object) against `schema`; throws trellis::sdk::Error
  /// naming `where` (e.g. "[model.predictor] (predictor/gears)") on an unknown
  /// key, a wrong type or a missing required option.
  Options(const OptionSchema& schema, const nlohmann::json& values, std::string where);

  bool get_bool(const std::string& name) const;
  std::int64_t get_int(const std::string& name) const;
  double get_double(const std::string& name) const;
  std::string get_string(const std::string& name) const;
  std::vector<std::string> get_strings(const std::string& name) const;
  std::vector<std::int64_t> get_ints(const std::string& name) const;
  std::vector<double> get_doubles(const std::string& name) const;
  const nlohmann::json& get_table(const std::string& name) const;

  /// True when the user set the option (rather than relying on its default).
  bool is_set(const std::string& name) const;
  /// All values, defaults filled in (what a resolved config records).
  const nlohmann::json& values() const { return values_; }
  /// Where these options came from, for messages.
  const std::string& where() const { return where_; }

  /// An Error for a value that has the right type but is not acceptable,
  /// e.g. `throw options.invalid("dim", "must be positive")`.
  Error invalid(const std::string& name, const std::string& why) const;

 private:
  const nlohmann::json& value(const std::string& name, OptionType expected) const;
  OptionSchema schema_;
  nlohmann::json values_ = nlohmann::json::object();
  std::vector<std::string> user_set_;
  std::string where_;
};

}  // namespace trellis::sdk
