#include "trellis/sdk/options.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "trellis/sdk/suggest.hpp"

namespace trellis::sdk {

std::string describe(OptionType type) {
  switch (type) {
    case OptionType::boolean: return "a boolean";
    case OptionType::integer: return "an integer";
    case OptionType::real: return "a number";
    case OptionType::string: return "a string";
    case OptionType::string_list: return "a list of strings";
    case OptionType::integer_list: return "a list of integers";
    case OptionType::real_list: return "a list of numbers";
    case OptionType::table: return "a table";
    case OptionType::path: return "a path";
  }
  return "a value";
}

namespace {

bool has_type(const nlohmann::json& v, OptionType type) {
  auto all_of = [&](auto predicate) {
    return v.is_array() && std::all_of(v.begin(), v.end(), predicate);
  };
  switch (type) {
    case OptionType::boolean: return v.is_boolean();
    case OptionType::integer: return v.is_number_integer();
    case OptionType::real: return v.is_number();
    case OptionType::string: return v.is_string();
    case OptionType::string_list: return all_of([](const auto& e) { return e.is_string(); });
    case OptionType::integer_list: return all_of([](const auto& e) { return e.is_number_integer(); });
    case OptionType::real_list: return all_of([](const auto& e) { return e.is_number(); });
    case OptionType::table: return v.is_object();
    case OptionType::path: return v.is_string();
  }
  return false;
}

bool is_number_type(OptionType type) {
  return type == OptionType::integer || type == OptionType::real || type == OptionType::integer_list ||
         type == OptionType::real_list;
}

bool is_string_type(OptionType type) {
  return type == OptionType::string || type == OptionType::string_list;
}

std::string show(const nlohmann::json& v) {
  if (v.is_number_float() && std::isnan(v.get<double>())) return "nan";  // dump() would say null
  std::string text = v.dump();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

// A bound as the user would write it: 1 rather than 1.000000.
std::string show_number(double x) {
  std::ostringstream out;
  out.precision(15);
  out << x;
  return out.str();
}

std::string quoted_choices(const std::vector<std::string>& choices) {
  std::string out;
  for (std::size_t i = 0; i < choices.size(); ++i) out += (i ? ", \"" : "\"") + choices[i] + "\"";
  return out;
}

// Why `v` (one number or one string, a list element for lists) breaks the
// spec's constraints (empty when it does not), and a hint for after the value.
struct Violation {
  std::string why;
  std::string hint;
};

Violation violation(const OptionSpec& spec, const nlohmann::json& v) {
  if (v.is_number()) {
    const double x = v.get<double>();
    const bool low_ok = !spec.min || (spec.min_exclusive ? x > *spec.min : x >= *spec.min);
    const bool high_ok = !spec.max || (spec.max_exclusive ? x < *spec.max : x <= *spec.max);
    if (low_ok && high_ok) return {};
    return {"must be " + spec.describe_bounds(), ""};
  }
  if (v.is_string() && !spec.choices.empty()) {
    const auto& s = v.get_ref<const std::string&>();
    if (std::find(spec.choices.begin(), spec.choices.end(), s) != spec.choices.end()) return {};
    // A hint only for a near miss, not for a value that shares nothing.
    std::string near = closest_match(s, spec.choices);
    if (!near.empty() && edit_distance(s, near) >= std::max(s.size(), near.size())) near.clear();
    return {"must be one of " + quoted_choices(spec.choices), near.empty() ? "" : " (did you mean \"" + near + "\"?)"};
  }
  return {};
}

OptionSpec spec_of(const std::string& name, OptionType type, nlohmann::json default_value, const std::string& help,
                   bool required) {
  OptionSpec spec;
  spec.name = name;
  spec.type = type;
  spec.default_value = std::move(default_value);
  spec.help = help;
  spec.required = required;
  return spec;
}

}  // namespace

std::string OptionSpec::describe_bounds() const {
  const std::string low = min ? show_number(*min) : "";
  const std::string high = max ? show_number(*max) : "";
  if (min && max && !min_exclusive && !max_exclusive) return "between " + low + " and " + high;
  std::string out;
  if (min) out = (min_exclusive ? "greater than " : "at least ") + low;
  if (min && max) out += " and ";
  if (max) out += (max_exclusive ? "less than " : "at most ") + high;
  return out;
}

std::string OptionSpec::describe_constraints() const {
  std::string out = (min || max) ? describe_bounds() : "";
  if (!choices.empty()) out += (out.empty() ? "" : ", ") + std::string("one of ") + quoted_choices(choices);
  const bool list = type == OptionType::string_list || type == OptionType::integer_list ||
                    type == OptionType::real_list;
  if (list && !out.empty()) out = "each " + out;
  return out;
}

OptionSpec& OptionSchema::last(const char* constraint) {
  if (specs_.empty()) throw Error(std::string(constraint) + "() must follow the add() of the option it constrains");
  return specs_.back();
}

OptionSchema& OptionSchema::min(double bound) {
  OptionSpec& spec = last("min");
  if (!is_number_type(spec.type))
    throw Error("option '" + spec.name + "': min() needs a number or a list of numbers, not " + describe(spec.type));
  spec.min = bound;
  spec.min_exclusive = false;
  return *this;
}

OptionSchema& OptionSchema::greater_than(double bound) {
  min(bound);
  specs_.back().min_exclusive = true;
  return *this;
}

OptionSchema& OptionSchema::max(double bound) {
  OptionSpec& spec = last("max");
  if (!is_number_type(spec.type))
    throw Error("option '" + spec.name + "': max() needs a number or a list of numbers, not " + describe(spec.type));
  spec.max = bound;
  spec.max_exclusive = false;
  return *this;
}

OptionSchema& OptionSchema::less_than(double bound) {
  max(bound);
  specs_.back().max_exclusive = true;
  return *this;
}

OptionSchema& OptionSchema::range(double low, double high) {
  if (low > high) throw Error("option '" + last("range").name + "': range() needs low <= high");
  return min(low).max(high);
}

OptionSchema& OptionSchema::choices(std::vector<std::string> allowed) {
  OptionSpec& spec = last("choices");
  if (!is_string_type(spec.type))
    throw Error("option '" + spec.name + "': choices() needs a string or a list of strings, not " +
                describe(spec.type));
  if (allowed.empty()) throw Error("option '" + spec.name + "': choices() needs at least one value");
  spec.choices = std::move(allowed);
  return *this;
}

OptionSchema& OptionSchema::add_spec(OptionSpec spec) {
  if (find(spec.name)) throw Error("option '" + spec.name + "' is declared twice");
  specs_.push_back(std::move(spec));
  return *this;
}

OptionSchema& OptionSchema::add(const std::string& name, bool v, const std::string& help) {
  return add_spec(spec_of(name, OptionType::boolean, v, help, false));
}
OptionSchema& OptionSchema::add(const std::string& name, int v, const std::string& help) {
  return add_spec(spec_of(name, OptionType::integer, static_cast<std::int64_t>(v), help, false));
}
OptionSchema& OptionSchema::add(const std::string& name, std::int64_t v, const std::string& help) {
  return add_spec(spec_of(name, OptionType::integer, v, help, false));
}
OptionSchema& OptionSchema::add(const std::string& name, double v, const std::string& help) {
  return add_spec(spec_of(name, OptionType::real, v, help, false));
}
OptionSchema& OptionSchema::add(const std::string& name, const char* v, const std::string& help) {
  return add_spec(spec_of(name, OptionType::string, std::string(v), help, false));
}
OptionSchema& OptionSchema::add(const std::string& name, const std::string& v, const std::string& help) {
  return add_spec(spec_of(name, OptionType::string, v, help, false));
}
OptionSchema& OptionSchema::add(const std::string& name, const std::vector<std::string>& v,
                                const std::string& help) {
  return add_spec(spec_of(name, OptionType::string_list, v, help, false));
}
OptionSchema& OptionSchema::add(const std::string& name, const std::vector<std::int64_t>& v,
                                const std::string& help) {
  return add_spec(spec_of(name, OptionType::integer_list, v, help, false));
}
OptionSchema& OptionSchema::add(const std::string& name, const std::vector<double>& v,
                                const std::string& help) {
  return add_spec(spec_of(name, OptionType::real_list, v, help, false));
}
OptionSchema& OptionSchema::add_path(const std::string& name, const std::string& v, const std::string& help) {
  return add_spec(spec_of(name, OptionType::path, v, help, false));
}
OptionSchema& OptionSchema::add_table(const std::string& name, const std::string& help) {
  return add_spec(spec_of(name, OptionType::table, nlohmann::json::object(), help, false));
}
OptionSchema& OptionSchema::require(const std::string& name, OptionType type, const std::string& help) {
  return add_spec(spec_of(name, type, nullptr, help, true));
}

OptionSchema& OptionSchema::extend(const OptionSchema& other) {
  for (const auto& spec : other.specs()) add_spec(spec);
  return *this;
}

const OptionSpec* OptionSchema::find(const std::string& name) const {
  for (const auto& spec : specs_)
    if (spec.name == name) return &spec;
  return nullptr;
}

std::vector<std::string> OptionSchema::names() const {
  std::vector<std::string> out;
  for (const auto& spec : specs_) out.push_back(spec.name);
  return out;
}

Options::Options(const OptionSchema& schema, const nlohmann::json& values, std::string where)
    : schema_(schema), where_(std::move(where)) {
  if (!values.is_null() && !values.is_object())
    throw Error(where_ + ": the options must be a table, got " + show(values));
  if (values.is_object()) {
    for (const auto& [key, value] : values.items()) {
      const OptionSpec* spec = schema_.find(key);
      if (!spec) {
        const auto known = schema_.names();
        std::string message = where_ + ": unknown option '" + key + "'.";
        const std::string near = closest_match(key, known);
        if (!near.empty()) message += " Did you mean '" + near + "'?";
        message += known.empty() ? " This component takes no options."
                                 : " Known options: " + join(known) + ".";
        throw Error(message);
      }
      if (!has_type(value, spec->type))
        throw Error(where_ + ": option '" + key + "' must be " + describe(spec->type) + ", got " + show(value));
      const bool list = value.is_array();
      const nlohmann::json elements = list ? value : nlohmann::json::array({value});
      for (std::size_t i = 0; i < elements.size(); ++i) {
        const Violation bad = violation(*spec, elements[i]);
        if (bad.why.empty()) continue;
        const std::string element = list ? " (element " + std::to_string(i + 1) + ")" : "";
        throw Error(where_ + ": option '" + key + "'" + element + " " + bad.why + ", got " + show(elements[i]) +
                    bad.hint);
      }
      // Keep integers for integer options, but store reals as reals so
      // get_double never sees a stray integer.
      values_[key] = spec->type == OptionType::real ? nlohmann::json(value.get<double>()) : value;
      user_set_.push_back(key);
    }
  }
  for (const auto& spec : schema_.specs()) {
    if (values_.contains(spec.name)) continue;
    if (spec.required)
      throw Error(where_ + ": option '" + spec.name + "' is required (" + describe(spec.type) + ": " +
                  spec.help + ")");
    values_[spec.name] = spec.default_value;
  }
}

const nlohmann::json& Options::value(const std::string& name, OptionType expected) const {
  const OptionSpec* spec = schema_.find(name);
  if (!spec)
    throw Error("internal error in " + where_ + ": the component reads option '" + name +
                "' that it did not declare");
  if (spec->type != expected)
    throw Error("internal error in " + where_ + ": option '" + name + "' is declared as " +
                describe(spec->type) + " but read as " + describe(expected));
  return values_.at(name);
}

bool Options::get_bool(const std::string& name) const { return value(name, OptionType::boolean).get<bool>(); }
std::int64_t Options::get_int(const std::string& name) const {
  return value(name, OptionType::integer).get<std::int64_t>();
}
double Options::get_double(const std::string& name) const { return value(name, OptionType::real).get<double>(); }
std::string Options::get_string(const std::string& name) const {
  return value(name, OptionType::string).get<std::string>();
}
std::string Options::get_path(const std::string& name) const {
  return value(name, OptionType::path).get<std::string>();
}
std::vector<std::string> Options::get_strings(const std::string& name) const {
  return value(name, OptionType::string_list).get<std::vector<std::string>>();
}
std::vector<std::int64_t> Options::get_ints(const std::string& name) const {
  return value(name, OptionType::integer_list).get<std::vector<std::int64_t>>();
}
std::vector<double> Options::get_doubles(const std::string& name) const {
  return value(name, OptionType::real_list).get<std::vector<double>>();
}
const nlohmann::json& Options::get_table(const std::string& name) const { return value(name, OptionType::table); }

bool Options::is_set(const std::string& name) const {
  return std::find(user_set_.begin(), user_set_.end(), name) != user_set_.end();
}

Error Options::invalid(const std::string& name, const std::string& why) const {
  std::string shown = values_.contains(name) ? ", got " + show(values_.at(name)) : "";
  return Error(where_ + ": option '" + name + "' " + why + shown);
}

}  // namespace trellis::sdk
