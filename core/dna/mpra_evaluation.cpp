#include "trellis/dna/mpra_evaluation.hpp"

#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "trellis/sdk/stats.hpp"
#include "trellis/stats/rank_correlation.hpp"

namespace trellis::core::dna {

namespace {

MpraRow score_subset(const std::vector<Variant>& variants, const MethodScores& method,
                     const std::function<bool(const Variant&)>& keep, double significance) {
  MpraRow row;
  row.method = method.method;
  std::vector<double> score, effect, ranked;
  std::vector<int> label;
  for (std::size_t i = 0; i < variants.size(); ++i) {
    const Variant& v = variants[i];
    if (!keep(v) || std::isnan(method.scores[i]) || std::isnan(v.coefficient)) continue;
    score.push_back(method.scores[i]);
    effect.push_back(v.coefficient);
    if (v.p_value >= significance) {
      ranked.push_back(-method.scores[i]);
      label.push_back(0);
      ++row.negatives;
    } else if (v.coefficient < 0) {
      ranked.push_back(-method.scores[i]);
      label.push_back(1);
      ++row.positives;
    }
  }
  row.n = static_cast<std::int64_t>(score.size());
  row.spearman = stats::spearman(score, effect);
  row.auroc = row.positives > 0 && row.negatives > 0 ? sdk::roc_auc(ranked, label)
                                                     : std::numeric_limits<double>::quiet_NaN();
  return row;
}

std::string number(double v, const char* format = "%.4f") {
  if (std::isnan(v)) return "NA";
  char text[32];
  std::snprintf(text, sizeof text, format, v);
  return text;
}

}  // namespace

std::vector<MpraRow> evaluate_mpra(const std::vector<Variant>& variants, const std::vector<MethodScores>& methods,
                                   double significance) {
  std::set<std::string> elements;
  for (const auto& v : variants) elements.insert(v.element);
  std::vector<MpraRow> rows;
  const auto add = [&](const std::string& element, const std::string& kind,
                       const std::function<bool(const Variant&)>& keep) {
    for (const auto& m : methods) {
      MpraRow row = score_subset(variants, m, keep, significance);
      row.element = element;
      row.variants = kind;
      rows.push_back(std::move(row));
    }
  };
  add("all", "all", [](const Variant&) { return true; });
  add("all", "substitutions", [](const Variant& v) { return !v.deletion(); });
  add("all", "deletions", [](const Variant& v) { return v.deletion(); });
  for (const auto& e : elements) add(e, "all", [&e](const Variant& v) { return v.element == e; });
  return rows;
}

std::string mpra_tsv(const std::vector<MpraRow>& rows) {
  std::ostringstream out;
  out << "element\tvariants\tmethod\tn\tpositives\tnegatives\tspearman\tauroc\n";
  for (const auto& r : rows)
    out << r.element << '\t' << r.variants << '\t' << r.method << '\t' << r.n << '\t' << r.positives << '\t'
        << r.negatives << '\t' << number(r.spearman, "%.6g") << '\t' << number(r.auroc, "%.6g") << '\n';
  return out.str();
}

std::string mpra_summary(const std::vector<MpraRow>& rows) {
  std::vector<std::string> methods;
  for (const auto& r : rows)
    if (std::find(methods.begin(), methods.end(), r.method) == methods.end()) methods.push_back(r.method);
  std::map<std::pair<std::string, std::string>, std::map<std::string, const MpraRow*>> table;
  std::vector<std::pair<std::string, std::string>> order;
  for (const auto& r : rows) {
    const auto key = std::make_pair(r.element, r.variants);
    if (!table.count(key)) order.push_back(key);
    table[key][r.method] = &r;
  }
  std::ostringstream out;
  char cell[64];
  std::snprintf(cell, sizeof cell, "%-16s %-14s %6s", "element", "variants", "n");
  out << cell;
  for (const auto& m : methods) {
    std::snprintf(cell, sizeof cell, "  %10s %7s", (m + " rho").c_str(), "AUROC");
    out << cell;
  }
  out << "\n";
  for (const auto& key : order) {
    const auto& by_method = table.at(key);
    std::snprintf(cell, sizeof cell, "%-16s %-14s %6lld", key.first.c_str(), key.second.c_str(),
                  static_cast<long long>(by_method.begin()->second->n));
    out << cell;
    for (const auto& m : methods) {
      const MpraRow* r = by_method.at(m);
      std::snprintf(cell, sizeof cell, "  %10s %7s", number(r->spearman, "%.3f").c_str(),
                    number(r->auroc, "%.3f").c_str());
      out << cell;
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace trellis::core::dna
