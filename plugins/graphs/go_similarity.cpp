// graph/go_similarity: the GEARS GO graph (METHODS.md). Two genes are similar
// when they share GO terms: Jaccard |A ∩ B| / |A ∪ B| of their term sets.
// Per gene, its top-k partners with similarity > threshold become edges
// partner -> gene (GEARS keeps nlargest(k + 1) per target, the gene itself
// included; self-loops are left to the graph layers here, so k partners).
//
// Cost: an inverted index term -> genes; for each gene, one pass over the
// genes sharing each of its terms counts the intersections in an array
// accumulator. Broad terms dominate (sum over terms of |genes(term)|^2), a
// few seconds for all ~20,000 annotated human genes on 2 cores. Parallel
// over genes, each gene's result independent of the thread layout.
#include <algorithm>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <ATen/Parallel.h>

#include "graphs.hpp"
#include "top_k.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/log.hpp"
#include "trellis/sdk/suggest.hpp"
#include "trellis/sdk/text_input.hpp"

namespace trellis::graphs {

namespace {

const std::vector<std::string> kOntologies{"BP", "CC", "MF"};

/// go_id -> ontology ("BP", "CC", "MF") from a go_terms.tsv(.gz) table with
/// columns go_id and ontology.
std::unordered_map<std::string, std::string> read_ontologies(const std::string& path) {
  sdk::TextInput reader(sdk::expand_data_dir(path), "option 'go_terms_file'");
  std::vector<std::string> fields;
  if (!reader.next_fields(fields)) throw sdk::Error("GO term file '" + path + "' is empty");
  const auto column = [&](const std::string& name) {
    const auto it = std::find(fields.begin(), fields.end(), name);
    if (it == fields.end()) {
      throw sdk::Error("GO term file '" + path + "' has no column '" + name + "' (columns: " + sdk::join(fields) + ")");
    }
    return static_cast<std::size_t>(it - fields.begin());
  };
  const std::size_t id = column("go_id"), ontology = column("ontology");
  std::unordered_map<std::string, std::string> out;
  while (reader.next_fields(fields))
    if (fields.size() > std::max(id, ontology)) out[fields[id]] = fields[ontology];
  return out;
}

class GoSimilarity : public sdk::GraphConstructor {
 public:
  explicit GoSimilarity(const sdk::Options& options)
      : threshold_(options.get_double("threshold")),
        k_(options.get_int("k")),
        ontologies_(options.get_strings("ontologies")),
        go_terms_file_(options.get_path("go_terms_file")),
        list_missing_(options.get_bool("list_missing")) {
    if (ontologies_.empty()) throw options.invalid("ontologies", "must name at least one of BP, CC, MF");
    const std::set<std::string> chosen(ontologies_.begin(), ontologies_.end());
    filter_ = chosen.size() < kOntologies.size();
    if (filter_ && go_terms_file_.empty())
      throw options.invalid("ontologies",
                            "selecting ontologies needs the GO term table: set go_terms_file, e.g. "
                            "\"${TRELLIS_DATA_DIR}/genes/go_terms.tsv.gz\"");
  }

  sdk::Graph build(const sdk::BuildContext& context) override {
    const sdk::GeneTable& genes = context.gene_table();
    const std::int64_t n = genes.size();
    if (k_ > n - 1)
      throw sdk::Error("k = " + std::to_string(k_) + " but the universe has only " +
                       std::to_string(n) + " genes (at most " + std::to_string(std::max<std::int64_t>(n - 1, 0)) +
                       " partners each); lower k");

    std::unordered_map<std::string, std::string> ontology_of;
    if (filter_) ontology_of = read_ontologies(go_terms_file_);
    const std::set<std::string> chosen(ontologies_.begin(), ontologies_.end());

    // Term ids -> dense integers; per gene its sorted distinct term list.
    std::unordered_map<std::string, std::int32_t> term_id;
    std::vector<std::vector<std::int32_t>> terms(static_cast<std::size_t>(n));
    for (std::int64_t g = 0; g < n; ++g) {
      auto& list = terms[static_cast<std::size_t>(g)];
      for (const auto& t : genes.at(g).go_terms) {
        if (filter_) {
          const auto it = ontology_of.find(t);
          if (it == ontology_of.end() || !chosen.count(it->second)) continue;
        }
        const auto [it, added] = term_id.emplace(t, static_cast<std::int32_t>(term_id.size()));
        list.push_back(it->second);
      }
      std::sort(list.begin(), list.end());
      list.erase(std::unique(list.begin(), list.end()), list.end());
    }
    std::vector<std::vector<std::int32_t>> genes_of(term_id.size());
    for (std::int64_t g = 0; g < n; ++g)
      for (const auto t : terms[static_cast<std::size_t>(g)])
        genes_of[static_cast<std::size_t>(t)].push_back(static_cast<std::int32_t>(g));

    report_missing(context, terms);

    std::vector<std::vector<Scored>> neighbours(static_cast<std::size_t>(n));
    at::parallel_for(0, n, 64, [&](std::int64_t begin, std::int64_t end) {
      std::vector<std::int32_t> shared(static_cast<std::size_t>(n), 0);
      std::vector<std::int32_t> touched;
      std::vector<Scored> candidates;
      for (std::int64_t g = begin; g < end; ++g) {
        const auto& mine = terms[static_cast<std::size_t>(g)];
        if (mine.empty()) continue;
        touched.clear();
        for (const auto t : mine)
          for (const auto other : genes_of[static_cast<std::size_t>(t)]) {
            if (other == g) continue;
            if (shared[static_cast<std::size_t>(other)]++ == 0) touched.push_back(other);
          }
        candidates.clear();
        for (const auto other : touched) {
          auto& c = shared[static_cast<std::size_t>(other)];
          const double both = c;
          const double either = static_cast<double>(mine.size() + terms[static_cast<std::size_t>(other)].size()) - both;
          const double jaccard = both / either;
          if (jaccard > threshold_) candidates.push_back({other, jaccard});
          c = 0;
        }
        // A gene can have thousands of candidates: keep only the top k's memory.
        keep_top_k(candidates, k_, threshold_);
        neighbours[static_cast<std::size_t>(g)].assign(candidates.begin(), candidates.end());
      }
    });
    sdk::Graph graph = graph_from_neighbours("go_similarity", n, neighbours);
    if (graph.num_edges() == 0)
      sdk::log_warning("graph/go_similarity: no pair of genes has a GO Jaccard similarity above " +
                       format_number(threshold_) + ": the graph has no edges");
    else
      sdk::log_info("graph/go_similarity: " + std::to_string(graph.num_edges()) + " edges over " +
                    std::to_string(n) + " genes (Jaccard > " + format_number(threshold_) + ", top " +
                    std::to_string(k_) + " per gene)");
    return graph;
  }

 private:
  /// Genes without GO terms are nodes without edges. That matters for the
  /// perturbed genes (their embeddings propagate over this graph), so warn
  /// about those.
  void report_missing(const sdk::BuildContext& context, const std::vector<std::vector<std::int32_t>>& terms) const {
    if (!context.screen) return;
    std::set<std::int64_t> perturbed;
    for (const auto& c : context.screen->conditions)
      for (const auto g : c.gene_indices)
        if (g >= 0 && g < static_cast<std::int64_t>(terms.size())) perturbed.insert(g);
    std::vector<std::string> missing;
    for (const auto g : perturbed)
      if (terms[static_cast<std::size_t>(g)].empty()) missing.push_back(context.gene_table().at(g).symbol);
    if (missing.empty()) return;
    std::string names = sdk::join_first(missing, list_missing_ ? missing.size() : 5);
    if (!list_missing_ && missing.size() > 5) names += " (set list_missing = true to list all)";
    sdk::log_warning("graph/go_similarity: " + std::to_string(missing.size()) + " of " +
                     std::to_string(perturbed.size()) + " perturbed genes have no GO terms" +
                     (filter_ ? " in the selected ontologies" : "") + " and get no edges: " + names);
  }

  double threshold_;
  std::int64_t k_;
  std::vector<std::string> ontologies_;
  std::string go_terms_file_;
  bool list_missing_;
  bool filter_ = false;
};

}  // namespace

sdk::OptionSchema go_similarity_options() {
  sdk::OptionSchema s;
  s.add("threshold", 0.1, "keep pairs with Jaccard similarity > threshold");
  s.add("k", std::int64_t{20}, "partners kept per gene (the most similar)").min(1);
  s.add("ontologies", kOntologies, "GO ontologies whose terms count: any of BP, CC, MF").choices(kOntologies);
  s.add_path("go_terms_file", "",
        "GO term table (columns go_id, ontology), needed when ontologies is not all three, e.g. "
        "\"${TRELLIS_DATA_DIR}/genes/go_terms.tsv.gz\"");
  s.add("list_missing", false, "name every perturbed gene without GO terms, not just the first few");
  return s;
}

std::shared_ptr<sdk::GraphConstructor> make_go_similarity(const sdk::Options& options) {
  return std::make_shared<GoSimilarity>(options);
}

}  // namespace trellis::graphs
