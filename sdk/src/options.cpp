#include "trellis/sdk/options.hpp"

#include <algorithm>

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
  }
  return false;
}

std::string show(const nlohmann::json& v) {
  std::string text = v.dump();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

}  // namespace

OptionSchema& OptionSchema::add_spec(OptionSpec spec) {
  if (find(spec.name)) throw Error("option '" + spec.name + "' is declared twice");
  specs_.push_back(std::move(spec));
  return *this;
}

OptionSchema& OptionSchema::add(const std::string& name, bool v, const std::string& help) {
  return add_spec({name, OptionType::boolean, v, help, false});
}
OptionSchema& OptionSchema::add(const std::string& name, int v, const std::string& help) {
  return add_spec({name, OptionType::integer, static_cast<std::int64_t>(v), help, false});
}
OptionSchema& OptionSchema::add(const std::string& name, std::int64_t v, const std::string& help) {
  return add_spec({name, OptionType::integer, v, help, false});
}
OptionSchema& OptionSchema::add(const std::string& name, double v, const std::string& help) {
  return add_spec({name, OptionType::real, v, help, false});
}
OptionSchema& OptionSchema::add(const std::string& name, const char* v, const std::string& help) {
  return add_spec({name, OptionType::string, std::string(v), help, false});
}
OptionSchema& OptionSchema::add(const std::string& name, const std::string& v, const std::string& help) {
  return add_spec({name, OptionType::string, v, help, false});
}
OptionSchema& OptionSchema::add(const std::string& name, const std::vector<std::string>& v,
                                const std::string& help) {
  return add_spec({name, OptionType::string_list, v, help, false});
}
OptionSchema& OptionSchema::add(const std::string& name, const std::vector<std::int64_t>& v,
                                const std::string& help) {
  return add_spec({name, OptionType::integer_list, v, help, false});
}
OptionSchema& OptionSchema::add(const std::string& name, const std::vector<double>& v,
                                const std::string& help) {
  return add_spec({name, OptionType::real_list, v, help, false});
}
OptionSchema& OptionSchema::add_table(const std::string& name, const std::string& help) {
  return add_spec({name, OptionType::table, nlohmann::json::object(), help, false});
}
OptionSchema& OptionSchema::require(const std::string& name, OptionType type, const std::string& help) {
  return add_spec({name, type, nullptr, help, true});
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
    throw Error("options in " + where_ + " must be a table, got " + show(values));
  if (values.is_object()) {
    for (const auto& [key, value] : values.items()) {
      const OptionSpec* spec = schema_.find(key);
      if (!spec) {
        const auto known = schema_.names();
        std::string message = "unknown option '" + key + "' in " + where_ + ".";
        const std::string near = closest_match(key, known);
        if (!near.empty()) message += " Did you mean '" + near + "'?";
        message += known.empty() ? " This component takes no options."
                                 : " Known options: " + join(known) + ".";
        throw Error(message);
      }
      if (!has_type(value, spec->type))
        throw Error("option '" + key + "' in " + where_ + " must be " + describe(spec->type) +
                    ", got " + show(value));
      // Keep integers for integer options, but store reals as reals so
      // get_double never sees a stray integer.
      values_[key] = spec->type == OptionType::real ? nlohmann::json(value.get<double>()) : value;
      user_set_.push_back(key);
    }
  }
  for (const auto& spec : schema_.specs()) {
    if (values_.contains(spec.name)) continue;
    if (spec.required)
      throw Error("option '" + spec.name + "' in " + where_ + " is required (" + describe(spec.type) +
                  ": " + spec.help + ")");
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
  std::string shown = values_.contains(name) ? " (got " + show(values_.at(name)) + ")" : "";
  return Error("option '" + name + "' in " + where_ + " " + why + shown);
}

}  // namespace trellis::sdk
