#include "trellis/data/guides.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>
#include <unordered_map>

#include "trellis/sdk/error.hpp"

namespace trellis::core::data {

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string thousands(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

}  // namespace

GuideAssignment assign_guides(const sdk::AnnData& data, const GuideAssignmentOptions& options,
                              const std::string& control_label) {
  const sdk::CsrMatrix& counts = data.guide_counts;
  const sdk::DataFrame& guides = data.guides;
  if (counts.cols == 0 || guides.size() == 0)
    throw sdk::Error("guide assignment needs guide counts, but the data has none; read a dataset with guide "
                     "capture (10x 'CRISPR Guide Capture' features, or guide_counts + guides files)");
  if (counts.cols != static_cast<std::int64_t>(guides.size()))
    throw sdk::Error("guide counts have " + std::to_string(counts.cols) + " columns but the guide table lists " +
                     std::to_string(guides.size()) + " guides");
  const auto cells = static_cast<std::int64_t>(data.obs.size());
  if (cells > 0 && counts.rows != cells)
    throw sdk::Error("guide counts have " + std::to_string(counts.rows) + " rows but the data has " +
                     std::to_string(cells) + " cells");
  if (!(options.min_count >= 0) || !std::isfinite(options.min_count))
    throw sdk::Error("guide assignment: min_count must be a number >= 0, got " + std::to_string(options.min_count));
  if (!(options.min_fraction >= 0 && options.min_fraction <= 1))
    throw sdk::Error("guide assignment: min_fraction must be in [0, 1], got " + std::to_string(options.min_fraction));
  if (options.non_targeting.empty())
    throw sdk::Error("guide assignment: the non-targeting label must not be empty (e.g. \"non-targeting\")");
  if (control_label.empty()) throw sdk::Error("guide assignment: the control label must not be empty (e.g. \"ctrl\")");

  // Per guide: a target id (shared by guides of the same target), or -1 for
  // non-targeting, or -2 when the target is unknown.
  const std::string nt = lower(options.non_targeting);
  const sdk::Column* target_column = guides.has("target") ? &guides.columns.at("target") : nullptr;
  std::vector<std::string> target_names;
  std::unordered_map<std::string, std::int32_t> target_id;
  std::vector<std::int32_t> guide_target(guides.size());
  for (std::size_t g = 0; g < guides.size(); ++g) {
    const std::string target = target_column ? target_column->text(g) : std::string();
    if (lower(target) == nt || lower(guides.index[g]).rfind(nt, 0) == 0) {
      guide_target[g] = -1;
    } else if (target.empty()) {
      guide_target[g] = -2;
    } else {
      const auto [it, added] = target_id.emplace(target, static_cast<std::int32_t>(target_names.size()));
      if (added) target_names.push_back(target);
      guide_target[g] = it->second;
    }
  }

  GuideAssignment out;
  const auto n = static_cast<std::size_t>(counts.rows);
  out.condition.assign(n, std::string());
  out.excluded_reason.assign(n, std::string());
  std::vector<char> target_used(target_names.size(), 0);
  std::vector<std::int32_t> passing;
  for (std::int64_t r = 0; r < counts.rows; ++r) {
    const std::int64_t a = counts.indptr[r];
    const std::int64_t b = counts.indptr[r + 1];
    double total = 0;
    for (std::int64_t k = a; k < b; ++k) total += counts.values[k];
    passing.clear();
    bool control = false;
    for (std::int64_t k = a; k < b; ++k) {
      const double v = counts.values[k];
      if (v <= 0 || v < options.min_count) continue;
      if (!options.keep_multi && v < options.min_fraction * total) continue;
      const std::int32_t t = guide_target[static_cast<std::size_t>(counts.indices[k])];
      if (t == -2)
        throw sdk::Error("guide '" + guides.index[static_cast<std::size_t>(counts.indices[k])] +
                         "' has no target (cell '" +
                         (cells > 0 ? data.obs.index[static_cast<std::size_t>(r)] : std::to_string(r)) +
                         "' received it); give a guide target table, or name non-targeting guides so they start "
                         "with '" + options.non_targeting + "'");
      if (t == -1)
        control = true;
      else if (std::find(passing.begin(), passing.end(), t) == passing.end())
        passing.push_back(t);
    }
    const auto i = static_cast<std::size_t>(r);
    if (!control && passing.empty()) {
      out.excluded_reason[i] = no_guide_reason;
      ++out.no_guide;
    } else if (passing.empty()) {
      out.condition[i] = control_label;
      ++out.assigned_control;
    } else if (control || (passing.size() > 1 && !options.keep_multi)) {
      out.excluded_reason[i] = conflicting_reason;
      ++out.conflicting;
    } else {
      std::vector<std::string> names;
      for (auto t : passing) {
        names.push_back(target_names[static_cast<std::size_t>(t)]);
        target_used[static_cast<std::size_t>(t)] = 1;
      }
      std::sort(names.begin(), names.end());
      std::string label = names.front();
      for (std::size_t k = 1; k < names.size(); ++k) label += "+" + names[k];
      out.condition[i] = std::move(label);
      if (names.size() == 1)
        ++out.assigned_single;
      else
        ++out.multi_kept;
    }
  }
  out.targets = std::count(target_used.begin(), target_used.end(), 1);
  return out;
}

std::string describe(const GuideAssignment& a) {
  const auto cells = static_cast<std::int64_t>(a.condition.size());
  std::string s = thousands(cells) + " cells: " + thousands(a.assigned_single) + " single-guide, " +
                  thousands(a.assigned_control) + " control";
  if (a.multi_kept > 0) s += ", " + thousands(a.multi_kept) + " multi-gene";
  s += "; " + thousands(a.targets) + (a.targets == 1 ? " targeted gene" : " targeted genes");
  s += "; excluded: no guide " + thousands(a.no_guide) + ", conflicting " + thousands(a.conflicting);
  return s;
}

}  // namespace trellis::core::data
