#include "trellis/data/condition_candidates.hpp"

#include <algorithm>
#include <cctype>
#include <tuple>

#include "trellis/sdk/data.hpp"

namespace trellis::core::data {

namespace {

// Lower case with '_' and ' ' as '-': "Non_Targeting" -> "non-targeting".
std::string normalised(const std::string& text) {
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    out += (c == '_' || c == ' ') ? '-' : static_cast<char>(std::tolower(u));
  }
  return out;
}

std::string without_dashes(std::string text) {
  text.erase(std::remove(text.begin(), text.end(), '-'), text.end());
  return text;
}

// Words long enough to be matched inside a label: no gene symbol contains
// them. NT and NTC are short, so they only match as whole tokens.
const std::vector<std::string> control_words = {"ctrl", "control", "nontargeting", "nontarget", "safetargeting",
                                                "scrambl", "unperturbed"};
const std::vector<std::string> control_tokens = {"nt", "ntc"};

ControlMatch match_one(const std::string& part) {
  const std::string lower = normalised(part);
  const std::string bare = without_dashes(lower);
  for (const auto& label : known_control_labels())
    if (bare == without_dashes(normalised(label))) return ControlMatch::exact;
  for (const auto& word : control_words)
    if (bare.find(word) != std::string::npos) return ControlMatch::partial;
  std::string token;
  for (std::size_t i = 0; i <= lower.size(); ++i) {
    if (i < lower.size() && std::isalnum(static_cast<unsigned char>(lower[i]))) {
      token += lower[i];
      continue;
    }
    if (std::find(control_tokens.begin(), control_tokens.end(), token) != control_tokens.end())
      return ControlMatch::partial;
    token.clear();
  }
  return ControlMatch::none;
}

// 0 = the default column name, larger = a weaker hint, 9 = no hint.
int name_rank(const std::string& column) {
  const std::string lower = normalised(column);
  if (lower == "condition") return 0;
  if (lower == "perturbation") return 1;
  static const std::vector<std::string> hints = {"condition", "perturb", "target", "gene", "guide", "grna",
                                                 "sgrna",     "crispr",  "knock",  "treatment"};
  for (const auto& hint : hints)
    if (lower.find(hint) != std::string::npos) return 2;
  return 9;
}

}  // namespace

const std::vector<std::string>& known_control_labels() {
  static const std::vector<std::string> labels = {
      "ctrl",        "control",     "controls",         "non-targeting", "non-target", "NT",
      "NTC",         "safe-targeting", "negative-control", "neg-ctrl",      "scrambled",  "scramble",
      "unperturbed"};
  return labels;
}

ControlMatch match_control_label(const std::string& label, const std::string& delimiter) {
  if (label.empty()) return ControlMatch::none;
  ControlMatch worst = ControlMatch::exact;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = delimiter.empty() ? std::string::npos : label.find(delimiter, start);
    const ControlMatch m = match_one(label.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (m == ControlMatch::none) return ControlMatch::none;  // "ctrl+KLF1" is the single KLF1
    worst = std::min(worst, m);
    if (end == std::string::npos) return worst;
    start = end + delimiter.size();
  }
}

std::vector<ConditionColumn> find_condition_columns(const std::vector<ColumnSummary>& obs) {
  std::vector<ConditionColumn> found;
  for (const auto& column : obs) {
    if (!column.is_text() || column.counts.size() < 2) continue;
    ConditionColumn candidate;
    candidate.column = column.name;
    candidate.values = static_cast<std::int64_t>(column.counts.size());
    for (const auto& [label, cells] : column.counts) {
      const ControlMatch m = match_control_label(label);
      if (m != ControlMatch::none) candidate.controls.push_back(ControlLabel{label, cells, m == ControlMatch::exact});
    }
    // A column of nothing but controls (e.g. a guide's own name) holds no conditions.
    if (candidate.controls.empty() || candidate.controls.size() == column.counts.size()) continue;
    std::stable_sort(candidate.controls.begin(), candidate.controls.end(), [](const auto& a, const auto& b) {
      return std::make_tuple(a.exact, a.cells) > std::make_tuple(b.exact, b.cells);
    });
    found.push_back(std::move(candidate));
  }
  auto key = [](const ConditionColumn& c) {
    const ControlLabel& best = c.controls.front();
    return std::make_tuple(!best.exact, name_rank(c.column), -best.cells);
  };
  std::stable_sort(found.begin(), found.end(), [&](const auto& a, const auto& b) { return key(a) < key(b); });
  return found;
}

std::string find_perturbation_type_column(const std::vector<ColumnSummary>& obs) {
  for (const auto& column : obs) {
    if (!column.is_text() || column.counts.empty()) continue;
    bool all = true, any_known = false;
    for (const auto& [value, cells] : column.counts) {
      const auto type = sdk::perturbation_type_from_string(value);
      all = all && type.has_value();
      any_known = any_known || (type && *type != sdk::PerturbationType::unknown);
    }
    if (all && any_known) return column.name;
  }
  return "";
}

}  // namespace trellis::core::data
