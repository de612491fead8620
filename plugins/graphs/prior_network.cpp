// graph/prior_network: a regulatory network read from a TSV file (plain or
// gzip) with a header row, e.g. DoRothEA (tf, confidence, target, mor; the
// defaults) or TRRUST (Gene1, Gene2, Mode_of_Regulation, PMID). Edges go
// source -> target as the file lists them (TF -> target gene: the target
// aggregates from its regulators).
//
// configs/models snippets:
//   [model.graphs.dorothea]             # DoRothEA, confidence A-C
//   type = "graph/prior_network"
//   file = "${TRELLIS_DATA_DIR}/networks/dorothea_hs.tsv.gz"
//
//   [model.graphs.trrust]               # TRRUST v2, activations only
//   type = "graph/prior_network"
//   file = "${TRELLIS_DATA_DIR}/networks/trrust_rawdata_human.tsv.gz"
//   source_column = "Gene1"
//   target_column = "Gene2"
//   sign_column = "Mode_of_Regulation"
//   confidence_column = ""
//   sign = "activation"
//
// Gene names are matched to the universe's symbols exactly, else ignoring
// case (the first gene of the universe wins when several differ only by
// case). Edges naming a gene outside the universe are dropped and reported.
// Duplicate (source, target) pairs are collapsed into one edge whose weight
// is the mean of theirs. Edges are ordered by (source, target).
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <unordered_map>

#include "graphs.hpp"
#include "top_k.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/log.hpp"
#include "trellis/sdk/suggest.hpp"
#include "trellis/sdk/text_input.hpp"

namespace trellis::graphs {

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

enum class Sign { activation, repression, unknown };

class PriorNetwork : public sdk::GraphConstructor {
 public:
  explicit PriorNetwork(const sdk::Options& options)
      : file_(options.get_path("file")),
        source_column_(options.get_string("source_column")),
        target_column_(options.get_string("target_column")),
        sign_column_(options.get_string("sign_column")),
        weight_column_(options.get_string("weight_column")),
        confidence_column_(options.get_string("confidence_column")),
        confidence_keep_(options.get_strings("confidence_keep")),
        sign_(options.get_string("sign")),
        signed_weights_(options.get_bool("signed_weights")) {
    if (file_.empty()) throw options.invalid("file", "must name the network file");
    if (source_column_.empty()) throw options.invalid("source_column", "must name a column");
    if (target_column_.empty()) throw options.invalid("target_column", "must name a column");
    if ((sign_ != "any" || signed_weights_) && sign_column_.empty())
      throw options.invalid(sign_ != "any" ? "sign" : "signed_weights", "needs sign_column");
    if (!confidence_column_.empty() && confidence_keep_.empty())
      throw options.invalid("confidence_keep", "is empty: no edge would be kept (set confidence_column = \"\" "
                                               "to keep all)");
  }

  sdk::Graph build(const sdk::BuildContext& context) override {
    const sdk::GeneTable& genes = context.gene_table();
    std::unordered_map<std::string, std::int64_t> by_lower;
    for (std::int64_t g = genes.size() - 1; g >= 0; --g) by_lower[lower(genes.at(g).symbol)] = g;
    const auto resolve = [&](const std::string& name) -> std::int64_t {
      if (const auto g = genes.find(name)) return *g;
      const auto it = by_lower.find(lower(name));
      return it == by_lower.end() ? -1 : it->second;
    };

    sdk::TextInput reader(sdk::expand_data_dir(file_), "option 'file'");
    std::vector<std::string> fields;
    if (!reader.next_fields(fields)) throw sdk::Error("network file '" + file_ + "' is empty");
    const std::vector<std::string> header = fields;
    const auto column = [&](const std::string& option, const std::string& name) -> std::int64_t {
      if (name.empty()) return -1;
      const auto it = std::find(header.begin(), header.end(), name);
      if (it != header.end()) return it - header.begin();
      const std::string present = "'" + sdk::join(header, "', '") + "'";
      throw sdk::Error("option '" + option + "' names column '" + name + "', which '" + file_ +
                       "' does not have (its columns: " + present + ")");
    };
    const auto source = column("source_column", source_column_), target = column("target_column", target_column_),
               sign = column("sign_column", sign_column_), weight = column("weight_column", weight_column_),
               confidence = column("confidence_column", confidence_column_);
    const auto width = static_cast<std::size_t>(std::max({source, target, sign, weight, confidence}) + 1);
    const std::set<std::string> keep(confidence_keep_.begin(), confidence_keep_.end());

    std::int64_t read = 0, filtered_confidence = 0, filtered_sign = 0, dropped = 0;
    std::set<std::string> unknown;
    std::map<std::pair<std::int64_t, std::int64_t>, std::pair<double, std::int64_t>> edges;  // sum, count
    while (reader.next_fields(fields)) {
      if (fields.size() < width)
        throw sdk::Error("line " + std::to_string(reader.line_number()) + " of '" + file_ + "' has " +
                         std::to_string(fields.size()) + " fields, the header " + std::to_string(header.size()));
      ++read;
      if (confidence >= 0 && !keep.count(fields[static_cast<std::size_t>(confidence)])) {
        ++filtered_confidence;
        continue;
      }
      const Sign s = sign >= 0 ? parse_sign(fields[static_cast<std::size_t>(sign)], reader) : Sign::unknown;
      if ((sign_ == "activation" && s != Sign::activation) || (sign_ == "repression" && s != Sign::repression)) {
        ++filtered_sign;
        continue;
      }
      double w = weight >= 0 ? parse_weight(fields[static_cast<std::size_t>(weight)], reader) : 1.0;
      if (signed_weights_) w *= s == Sign::activation ? 1.0 : s == Sign::repression ? -1.0 : 0.0;
      const std::string& a = fields[static_cast<std::size_t>(source)];
      const std::string& b = fields[static_cast<std::size_t>(target)];
      const std::int64_t ia = resolve(a), ib = resolve(b);
      if (ia < 0 || ib < 0) {
        ++dropped;
        if (ia < 0) unknown.insert(a);
        if (ib < 0) unknown.insert(b);
        continue;
      }
      auto& e = edges[{ia, ib}];
      e.first += w;
      ++e.second;
    }

    const std::int64_t candidates = read - filtered_confidence - filtered_sign;
    std::string filters;
    if (confidence >= 0) filters += ", " + std::to_string(filtered_confidence) + " left out by confidence";
    if (sign_ != "any") filters += ", " + std::to_string(filtered_sign) + " left out by sign";
    sdk::log_info("graph/prior_network: read " + std::to_string(read) + " edges from '" + file_ + "'" + filters);
    if (dropped > 0) {
      const std::string examples = sdk::join_first({unknown.begin(), unknown.end()}, 5);
      sdk::log_warning("graph/prior_network: dropped " + std::to_string(dropped) + " of " +
                       std::to_string(candidates) + " edges: " + std::to_string(unknown.size()) +
                       " genes not in the universe (e.g. " + examples + ")");
    }
    if (edges.empty())
      throw sdk::Error("no edge of '" + file_ + "' is left (" + std::to_string(read) +
                       " read" + filters + ", " + std::to_string(dropped) +
                       " with a gene outside the universe of " + std::to_string(genes.size()) +
                       " genes); check the columns, filters and gene names");

    std::vector<std::int64_t> sources, targets;
    std::vector<float> weights;
    for (const auto& [pair, sum_count] : edges) {
      sources.push_back(pair.first);
      targets.push_back(pair.second);
      weights.push_back(static_cast<float>(sum_count.first / static_cast<double>(sum_count.second)));
    }
    const auto duplicates = candidates - dropped - static_cast<std::int64_t>(edges.size());
    if (duplicates > 0)
      sdk::log_info("graph/prior_network: collapsed " + std::to_string(duplicates) + " duplicate edges");
    return graph_from_edges("prior_network", genes.size(), sources, targets, weights);
  }

 private:
  Sign parse_sign(const std::string& value, const sdk::TextInput& reader) const {
    const std::string v = lower(value);
    if (v == "activation") return Sign::activation;
    if (v == "repression") return Sign::repression;
    if (v == "unknown" || v.empty() || v == "na") return Sign::unknown;
    char* end = nullptr;
    const double x = std::strtod(value.c_str(), &end);
    if (end == value.c_str() || *end != '\0')
      throw sdk::Error("line " + std::to_string(reader.line_number()) + " of '" + file_ +
                       "': sign '" + value + "' in column '" + sign_column_ +
                       "' is neither a number nor Activation/Repression/Unknown");
    return x > 0 ? Sign::activation : x < 0 ? Sign::repression : Sign::unknown;
  }

  double parse_weight(const std::string& value, const sdk::TextInput& reader) const {
    char* end = nullptr;
    const double x = std::strtod(value.c_str(), &end);
    if (value.empty() || *end != '\0' || !std::isfinite(x))
      throw sdk::Error("line " + std::to_string(reader.line_number()) + " of '" + file_ +
                       "': weight '" + value + "' in column '" + weight_column_ + "' is not a finite number");
    return x;
  }

  std::string file_, source_column_, target_column_, sign_column_, weight_column_, confidence_column_;
  std::vector<std::string> confidence_keep_;
  std::string sign_;
  bool signed_weights_;
};

}  // namespace

sdk::OptionSchema prior_network_options() {
  sdk::OptionSchema s;
  s.require("file", sdk::OptionType::path,
            "network TSV (plain or .gz) with a header row, e.g. \"${TRELLIS_DATA_DIR}/networks/dorothea_hs.tsv.gz\"");
  s.add("source_column", "tf", "column of the source (regulator) gene");
  s.add("target_column", "target", "column of the target gene");
  s.add("sign_column", "mor",
        "column of the sign: a number (> 0 activation, < 0 repression) or Activation/Repression/Unknown; "
        "\"\" for none");
  s.add("weight_column", "", "column of numeric edge weights; \"\" for weight 1");
  s.add("confidence_column", "confidence", "column of a confidence level; \"\" to keep every edge");
  s.add("confidence_keep", std::vector<std::string>{"A", "B", "C"}, "confidence levels kept");
  s.add("sign", "any", "which edges to keep: any, activation or repression")
      .choices({"any", "activation", "repression"});
  s.add("signed_weights", false, "multiply each weight by its sign (+1, -1, 0 when unknown)");
  return s;
}

std::shared_ptr<sdk::GraphConstructor> make_prior_network(const sdk::Options& options) {
  return std::make_shared<PriorNetwork>(options);
}

}  // namespace trellis::graphs
