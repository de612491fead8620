#pragma once
/// @file options.hpp
/// Declared, checked component options.
///
/// A component declares its options (name, type, default, help and, where
/// they apply, constraints: minimum, maximum, allowed choices) in an
/// OptionSchema when it is registered:
///
///     schema.add("hidden", 64, "width").min(1)
///           .add("dropout", 0.1, "dropout rate").range(0.0, 1.0)
///           .add("optimizer", "adam", "optimiser").choices({"adam", "adamw"})
///           .add_path("go_file", "", "GO annotations (TSV)");
///
/// The host checks the user's TOML table against that schema before
/// constructing the component: an unknown key, a value of the wrong type or a
/// value outside its constraints is an error in one form,
/// `[model.predictor] (predictor/gears): option 'hidden' must be at least 1, got 0`.
/// The component then reads typed values, with defaults filled in, from Options.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/export.hpp"

namespace trellis::sdk {

/// Value types an option can have (TOML types; `real` accepts integers).
/// A `path` is a string the host resolves before the component sees it:
/// `${VAR}` expanded from the environment and a relative path made absolute
/// against the folder of the config file that set it.
enum class OptionType { boolean, integer, real, string, string_list, integer_list, real_list, table, path };

/// Name of a type as shown in messages ("an integer", "a list of strings", ...).
TRELLIS_SDK_API std::string describe(OptionType type);

/// One declared option.
struct TRELLIS_SDK_API OptionSpec {
  std::string name;
  OptionType type = OptionType::string;
  nlohmann::json default_value;  ///< null when the option is required
  std::string help;
  bool required = false;
  /// Bounds of a number, or of every element of a list of numbers.
  std::optional<double> min;
  std::optional<double> max;
  bool min_exclusive = false;  ///< the value must be greater than `min`
  bool max_exclusive = false;  ///< the value must be less than `max`
  /// Allowed values of a string, or of every element of a list of strings.
  std::vector<std::string> choices;

  /// The constraints in words ("at least 1", "one of \"adam\", \"adamw\""),
  /// empty when there are none (for `trellis plugins info`).
  std::string describe_constraints() const;
  /// The bounds alone ("at least 1", "between 0 and 1", "greater than 0").
  std::string describe_bounds() const;
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
  /// A path (see OptionType::path); "" means unset.
  OptionSchema& add_path(const std::string& name, const std::string& default_value, const std::string& help);
  /// A nested table passed through unchecked (for components that forward
  /// it to a sub-component); defaults to an empty table.
  OptionSchema& add_table(const std::string& name, const std::string& help);
  /// An option without default that the user must set.
  OptionSchema& require(const std::string& name, OptionType type, const std::string& help);
  /// Adds every option of `other` (for a table that holds a component's
  /// options beside its own keys); a name declared in both is an error.
  OptionSchema& extend(const OptionSchema& other);

  /// Constraints on the option added last (chain them after add or require).
  /// `min`, `max` and `range` are inclusive; `greater_than` and `less_than`
  /// exclude their bound (`greater_than(0)` for "positive" reals,
  /// `min(0).less_than(1)` for a rate in [0, 1)). On a list they apply to
  /// every element.
  OptionSchema& min(double bound);
  OptionSchema& max(double bound);
  OptionSchema& range(double low, double high);
  OptionSchema& greater_than(double bound);
  OptionSchema& less_than(double bound);
  OptionSchema& choices(std::vector<std::string> allowed);

  const std::vector<OptionSpec>& specs() const { return specs_; }
  /// The spec named `name`, or nullptr.
  const OptionSpec* find(const std::string& name) const;
  std::vector<std::string> names() const;

 private:
  OptionSchema& add_spec(OptionSpec spec);
  OptionSpec& last(const char* constraint);
  std::vector<OptionSpec> specs_;
};

/// A checked view of a component's option table: every declared option has a
/// value (the user's or the default) of the declared type.
class TRELLIS_SDK_API Options {
 public:
  Options() = default;
  /// Checks `values` (a JSON object) against `schema`; throws trellis::sdk::Error
  /// naming `where` (e.g. "[model.predictor] (predictor/gears)") on an unknown
  /// key, a wrong type, a value outside its declared constraints or a missing
  /// required option.
  Options(const OptionSchema& schema, const nlohmann::json& values, std::string where);

  bool get_bool(const std::string& name) const;
  std::int64_t get_int(const std::string& name) const;
  double get_double(const std::string& name) const;
  std::string get_string(const std::string& name) const;
  /// A path option's value (absolute once the host has resolved it; "" when unset).
  std::string get_path(const std::string& name) const;
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

  /// An Error for a value that has the right type but is not acceptable for a
  /// reason the schema cannot declare (one option against another), in the
  /// same form as the declared checks:
  /// `throw options.invalid("k", "must be less than 'genes' (500)")` gives
  /// `[where]: option 'k' must be less than 'genes' (500), got 900`.
  Error invalid(const std::string& name, const std::string& why) const;

 private:
  const nlohmann::json& value(const std::string& name, OptionType expected) const;
  OptionSchema schema_;
  nlohmann::json values_ = nlohmann::json::object();
  std::vector<std::string> user_set_;
  std::string where_;
};

}  // namespace trellis::sdk
