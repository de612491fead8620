#include "trellis/data/beeline_genes.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <unordered_map>

#include "trellis/eval/network_io.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/text_input.hpp"

namespace trellis::core::data {

namespace {

struct Ordered {
  std::string gene;
  double p = 0, variance = 0;
};

double number(const std::string& text, const std::string& where, const char* what) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || std::isnan(v))
    throw sdk::Error(where + ": " + what + " '" + text + "' is not a number");
  return v;
}

}  // namespace

std::vector<std::string> select_beeline_genes(const BeelineGeneSelection& selection,
                                              const std::vector<std::string>& expressed) {
  const std::set<std::string> in_data(expressed.begin(), expressed.end());
  sdk::TextInput in(selection.ordering, "[data.beeline_genes] ordering");
  std::vector<std::string> fields;
  const char separator = [&] {
    std::string header;
    if (!in.next(header))
      throw sdk::Error(selection.ordering + ": empty file; expected a header, then gene, p-value, variance rows");
    return header.find('\t') != std::string::npos ? '\t' : ',';
  }();
  std::vector<Ordered> ordered;
  while (in.next_fields(fields, separator)) {
    const std::string where = selection.ordering + ":" + std::to_string(in.line_number());
    if (fields.size() < 3)
      throw sdk::Error(where + ": " + std::to_string(fields.size()) + " field(s); expected gene, p-value, variance");
    if (!in_data.count(fields[0])) continue;
    ordered.push_back({fields[0], number(fields[1], where, "p-value"), number(fields[2], where, "variance")});
  }
  if (ordered.empty())
    throw sdk::Error(selection.ordering + ": none of its genes is expressed in the data; it must name genes as the "
                     "expression table does");
  // As BEELINE: by p-value, then (stably) by variance among the others.
  std::stable_sort(ordered.begin(), ordered.end(), [](const Ordered& a, const Ordered& b) { return a.p < b.p; });
  const double threshold =
      selection.bonferroni ? selection.p_value / static_cast<double>(ordered.size()) : selection.p_value;
  std::set<std::string> tfs;
  if (!selection.tfs.empty())
    for (auto& g : eval::read_gene_list(selection.tfs)) tfs.insert(std::move(g));
  std::set<std::string> kept;
  std::vector<Ordered> others;
  for (const auto& o : ordered) {
    if (!(o.p < threshold)) continue;
    if (tfs.count(o.gene)) kept.insert(o.gene);
    else others.push_back(o);
  }
  std::stable_sort(others.begin(), others.end(), [](const Ordered& a, const Ordered& b) { return a.variance > b.variance; });
  for (std::size_t i = 0; i < others.size() && static_cast<std::int64_t>(i) < selection.top; ++i)
    kept.insert(others[i].gene);
  std::vector<std::string> out;
  for (const auto& g : expressed)
    if (kept.count(g)) out.push_back(g);
  return out;
}

}  // namespace trellis::core::data
