// encoder/go_terms: the sparse gene x GO-term matrix of the universe (1 when
// the gene is annotated with the term), optionally TF-IDF weighted, reduced
// by a seeded truncated SVD. Terms held by fewer than min_genes universe
// genes are dropped: they cannot make two genes alike, only add noise.
//
// weighting = "tfidf" scales term t by idf(t) = ln((1 + n) / (1 + df(t))) + 1
// (n universe genes, df(t) genes with t) and each row to unit L2 norm, so
// that broad terms ("protein binding") weigh less and genes with many
// annotations do not dominate the components.
#include "encoders.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <unordered_map>

#include <ATen/ATen.h>

#include "enc_go_terms_table.hpp"
#include "trellis/sdk/missing_rows.hpp"
#include "trellis/sdk/encoder.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/log.hpp"
#include "trellis/sdk/options.hpp"
#include "truncated_svd.hpp"

namespace trellis::encoders {

namespace {

const std::string kWho = "encoder/go_terms";
const std::vector<std::string> kOntologies{"BP", "CC", "MF"};

class GoTerms : public sdk::FeatureEncoder {
 public:
  explicit GoTerms(const sdk::Options& options)
      : dim_(options.get_int("dim")),
        ontologies_(options.get_strings("ontologies")),
        go_terms_file_(options.get_path("go_terms_file")),
        min_genes_(options.get_int("min_genes")),
        weighting_(options.get_string("weighting")),
        seed_(options.get_int("seed")),
        power_iterations_(options.get_int("power_iterations")),
        missing_flag_(options.get_bool("missing_flag")) {
    if (ontologies_.empty()) throw options.invalid("ontologies", "must name at least one of BP, CC, MF");
    filter_ = std::set<std::string>(ontologies_.begin(), ontologies_.end()).size() < kOntologies.size();
    if (filter_ && go_terms_file_.empty())
      throw options.invalid("ontologies",
                            "selecting ontologies needs the GO term table: set go_terms_file, e.g. "
                            "\"${TRELLIS_DATA_DIR}/genes/go_terms.tsv.gz\"");
  }

  at::Tensor encode(const sdk::BuildContext& context) override {
    const sdk::GeneTable& genes = context.gene_table();
    const std::int64_t n = genes.size();
    std::unordered_map<std::string, GoTerm> table;
    if (filter_) table = read_go_term_table(go_terms_file_, "option 'go_terms_file'");
    const std::set<std::string> chosen(ontologies_.begin(), ontologies_.end());

    // Per gene its distinct term ids; then each term's gene count.
    std::unordered_map<std::string, std::int64_t> term_id;
    std::vector<std::string> term_names;
    std::vector<std::vector<std::int64_t>> terms(static_cast<std::size_t>(n));
    for (std::int64_t g = 0; g < n; ++g) {
      auto& list = terms[static_cast<std::size_t>(g)];
      for (const auto& t : genes.at(g).go_terms) {
        if (filter_) {
          const auto it = table.find(t);
          if (it == table.end() || !chosen.count(it->second.ontology)) continue;
        }
        const auto [it, added] = term_id.emplace(t, static_cast<std::int64_t>(term_names.size()));
        if (added) term_names.push_back(t);
        list.push_back(it->second);
      }
      std::sort(list.begin(), list.end());
      list.erase(std::unique(list.begin(), list.end()), list.end());
    }
    std::vector<std::int64_t> df(term_names.size(), 0);
    for (const auto& list : terms)
      for (const auto t : list) ++df[static_cast<std::size_t>(t)];
    // Kept terms get columns in GO id order, so the matrix does not depend on gene order.
    std::vector<std::int64_t> order(term_names.size());
    for (std::size_t t = 0; t < order.size(); ++t) order[t] = static_cast<std::int64_t>(t);
    std::sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
      return term_names[static_cast<std::size_t>(a)] < term_names[static_cast<std::size_t>(b)];
    });
    std::vector<std::int64_t> column(term_names.size(), -1);
    std::int64_t columns = 0;
    for (const auto t : order)
      if (df[static_cast<std::size_t>(t)] >= min_genes_) column[static_cast<std::size_t>(t)] = columns++;

    const bool tfidf = weighting_ == "tfidf";
    std::vector<std::int64_t> rows_index, cols_index;
    std::vector<double> values;
    std::vector<bool> present(static_cast<std::size_t>(n), false);
    std::vector<std::pair<std::int64_t, double>> row;
    for (std::int64_t g = 0; g < n; ++g) {
      row.clear();
      double norm = 0;
      for (const auto t : terms[static_cast<std::size_t>(g)]) {
        const auto c = column[static_cast<std::size_t>(t)];
        if (c < 0) continue;
        const double v = tfidf ? std::log((1.0 + n) / (1.0 + static_cast<double>(df[static_cast<std::size_t>(t)]))) + 1.0
                               : 1.0;
        row.emplace_back(c, v);
        norm += v * v;
      }
      std::sort(row.begin(), row.end());
      present[static_cast<std::size_t>(g)] = !row.empty();
      for (const auto& [c, v] : row) {
        rows_index.push_back(g);
        cols_index.push_back(c);
        values.push_back(tfidf ? v / std::sqrt(norm) : v);
      }
    }
    const auto nnz = static_cast<std::int64_t>(values.size());
    const at::Tensor matrix = sorted_sparse_matrix(n, columns, rows_index, cols_index, values);
    const std::uint64_t seed = seed_ >= 0 ? static_cast<std::uint64_t>(seed_) : context.seed;
    const at::Tensor features = truncated_svd(matrix, dim_, seed, /*oversample=*/10, power_iterations_);
    sdk::log_info(kWho + ": " + std::to_string(columns) + " of " + std::to_string(term_names.size()) +
                  " GO terms held by at least " + std::to_string(min_genes_) + " universe genes; " +
                  std::to_string(nnz) + " annotations");
    const at::Tensor out = sdk::with_missing_flag(features, present, kWho, "GO terms");
    return missing_flag_ ? out : out.narrow(1, 0, out.size(1) - 1).contiguous();
  }

 private:
  std::int64_t dim_;
  std::vector<std::string> ontologies_;
  std::string go_terms_file_;
  std::int64_t min_genes_;
  std::string weighting_;
  std::int64_t seed_;
  std::int64_t power_iterations_;
  bool missing_flag_;
  bool filter_ = false;
};

}  // namespace

sdk::OptionSchema go_terms_options() {
  sdk::OptionSchema s;
  s.add("dim", std::int64_t{64}, "output dimension (SVD components; zero columns beyond the matrix rank)").min(1);
  s.add("ontologies", kOntologies, "GO ontologies whose terms count: any of BP, CC, MF").choices(kOntologies);
  s.add_path("go_terms_file", "",
        "GO term table (columns go_id, ontology, term), needed when ontologies is not all three, e.g. "
        "\"${TRELLIS_DATA_DIR}/genes/go_terms.tsv.gz\"");
  s.add("min_genes", std::int64_t{2}, "drop GO terms held by fewer universe genes").min(1);
  s.add("weighting", "binary",
        "\"binary\" (1 per annotation) or \"tfidf\" (idf-weighted, rows scaled to unit length)")
      .choices({"binary", "tfidf"});
  s.add("seed", std::int64_t{-1}, "seed of the randomized SVD; -1: the run's seed").min(-1);
  s.add("power_iterations", std::int64_t{4},
        "power iterations of the randomized SVD: more = more accurate trailing components, each costs two "
        "passes over the matrix")
      .min(0);
  s.add("missing_flag", true, "append a column that is 1 for genes without (kept) GO terms (their row is zero)");
  return s;
}

std::shared_ptr<sdk::FeatureEncoder> make_go_terms(const sdk::Options& options) {
  return std::make_shared<GoTerms>(options);
}

}  // namespace trellis::encoders
