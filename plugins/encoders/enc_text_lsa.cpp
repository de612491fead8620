// encoder/text_lsa: each gene's description as TF-IDF over word unigrams and
// bigrams, reduced by a seeded truncated SVD (latent semantic analysis). The
// text-only stand-in for GRAPE's BERT description embedding (METHODS.md):
// no language-model weights are needed.
//
// A gene's text is its RefSeq summary (Gene::description) when it has one,
// else its short name followed by the names of its GO terms (when a GO term
// table is given), so most genes without a summary still get features.
//
// With corpus_file the vocabulary, idf and SVD are fitted on that larger
// corpus and the universe is projected onto its components: with A the
// corpus TF-IDF and U*S its truncated SVD, V = A^T (U*S) / S^2 is exactly the
// right singular basis of the randomized SVD, and a universe gene's row is
// x V (what sklearn's TruncatedSVD.transform does).
#include "encoders.hpp"

#include <cctype>
#include <chrono>
#include <cstdio>
#include <unordered_map>

#include <ATen/ATen.h>

#include "enc_go_terms_table.hpp"
#include "trellis/sdk/text_input.hpp"
#include "enc_tfidf.hpp"
#include "trellis/sdk/missing_rows.hpp"
#include "trellis/sdk/encoder.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/log.hpp"
#include "trellis/sdk/options.hpp"
#include "truncated_svd.hpp"

namespace trellis::encoders {

namespace {

const std::string kWho = "encoder/text_lsa";

/// symbol<TAB>text lines; a symbol's several lines form one document.
std::vector<std::string> read_corpus(const std::string& path) {
  sdk::TextInput reader(sdk::expand_data_dir(path), "option 'corpus_file'");
  std::unordered_map<std::string, std::size_t> index;
  std::vector<std::string> documents;
  std::string line;
  bool first = true;
  while (reader.next(line)) {
    if (line.empty()) continue;
    const auto tab = line.find('\t');
    if (first) {
      first = false;
      std::string key = line.substr(0, tab);
      for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (key == "symbol" || key == "gene" || key == "gene_symbol" || key == "id") continue;  // header
    }
    if (tab == std::string::npos)
      throw sdk::Error("line " + std::to_string(reader.line_number()) + " of corpus file '" + reader.path().string() +
                       "' has no tab: expected symbol<TAB>text");
    std::string text = line.substr(tab + 1);
    const auto [it, added] = index.emplace(line.substr(0, tab), documents.size());
    if (added)
      documents.push_back(std::move(text));
    else
      documents[it->second] += " " + text;
  }
  return documents;
}

class TextLsa : public sdk::FeatureEncoder {
 public:
  explicit TextLsa(const sdk::Options& options)
      : dim_(options.get_int("dim")),
        min_df_(options.get_int("min_df")),
        bigrams_(options.get_bool("bigrams")),
        stop_words_(options.get_bool("stop_words")),
        go_terms_file_(options.get_path("go_terms_file")),
        corpus_file_(options.get_path("corpus_file")),
        seed_(options.get_int("seed")),
        power_iterations_(options.get_int("power_iterations")),
        missing_flag_(options.get_bool("missing_flag")) {}

  at::Tensor encode(const sdk::BuildContext& context) override {
    const auto start = std::chrono::steady_clock::now();
    const sdk::GeneTable& genes = context.gene_table();
    const std::int64_t n = genes.size();
    std::unordered_map<std::string, GoTerm> go;
    if (!go_terms_file_.empty())
      go = read_go_term_table(go_terms_file_, "option 'go_terms_file'");

    std::vector<std::string> documents(static_cast<std::size_t>(n));
    std::int64_t summaries = 0;
    for (std::int64_t g = 0; g < n; ++g) {
      const sdk::Gene& gene = genes.at(g);
      std::string& text = documents[static_cast<std::size_t>(g)];
      if (!gene.description.empty()) {
        text = gene.description;
        ++summaries;
        continue;
      }
      text = gene.short_name;
      for (const auto& id : gene.go_terms) {
        const auto it = go.find(id);
        if (it != go.end()) text += ". " + it->second.name;
      }
    }

    const std::uint64_t seed = seed_ >= 0 ? static_cast<std::uint64_t>(seed_) : context.seed;
    Tfidf tfidf(TfidfSettings{bigrams_, stop_words_, min_df_});
    at::Tensor features;
    at::Tensor rows;  // the universe's TF-IDF
    if (corpus_file_.empty()) {
      // Genes without text are not documents: they would only inflate the idf.
      std::vector<std::string> texts;
      for (const auto& d : documents)
        if (!d.empty()) texts.push_back(d);
      check_fit_size(static_cast<std::int64_t>(texts.size()), "the universe's gene texts");
      tfidf.fit(texts);
      check_vocabulary(tfidf, "the universe's gene texts");
      rows = tfidf.transform(documents);
      features = truncated_svd(rows, dim_, seed, /*oversample=*/10, power_iterations_);
    } else {
      const auto corpus = read_corpus(corpus_file_);
      check_fit_size(static_cast<std::int64_t>(corpus.size()), "corpus file '" + corpus_file_ + "'");
      tfidf.fit(corpus);
      check_vocabulary(tfidf, "corpus file '" + corpus_file_ + "'");
      const at::Tensor fitted = tfidf.transform(corpus);
      const at::Tensor us = truncated_svd(fitted, dim_, seed, /*oversample=*/10, power_iterations_).to(at::kDouble);
      const at::Tensor s2 = us.pow(2).sum(0);
      const at::Tensor basis = at::mm(fitted.t().coalesce(), us) *
                               at::where(s2 > 0, s2.reciprocal(), at::zeros_like(s2));
      rows = tfidf.transform(documents);
      features = at::mm(rows, basis).to(at::kFloat);
      sdk::log_info(kWho + ": fitted on " + std::to_string(corpus.size()) + " corpus documents");
    }

    // A gene is covered when its text has a vocabulary term.
    const at::Tensor terms_per_gene = at::bincount(rows._indices()[0], {}, n);
    std::vector<bool> present(static_cast<std::size_t>(n));
    std::int64_t texts = 0;
    auto count = terms_per_gene.accessor<std::int64_t, 1>();
    for (std::int64_t g = 0; g < n; ++g) {
      present[static_cast<std::size_t>(g)] = count[g] > 0;
      texts += documents[static_cast<std::size_t>(g)].empty() ? 0 : 1;
    }
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.2f",
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    sdk::log_info(kWho + ": " + std::to_string(tfidf.vocabulary_size()) + " terms; " + std::to_string(summaries) +
                  " genes with a summary, " + std::to_string(texts - summaries) +
                  " with a short name or GO term names only; " + seconds + " s");
    if (go_terms_file_.empty() && summaries < n)
      sdk::log_info(kWho + ": genes without a summary are described by their short name only; set go_terms_file "
                    "(e.g. \"${TRELLIS_DATA_DIR}/genes/go_terms.tsv.gz\") to add their GO term names");
    const at::Tensor out = sdk::with_missing_flag(features, present, kWho, "text");
    return missing_flag_ ? out : out.narrow(1, 0, out.size(1) - 1).contiguous();
  }

 private:
  void check_fit_size(std::int64_t documents, const std::string& what) const {
    if (documents < min_df_)
      throw sdk::Error("min_df = " + std::to_string(min_df_) + " but " + what + " make only " +
                       std::to_string(documents) + " documents; lower min_df or fit on a larger corpus_file");
  }
  void check_vocabulary(const Tfidf& tfidf, const std::string& what) const {
    if (tfidf.vocabulary_size() == 0)
      throw sdk::Error("no word of " + what + " occurs in min_df = " + std::to_string(min_df_) +
                       " documents, so there is no vocabulary; lower min_df, or check that the genes have "
                       "descriptions (the annotation's RefSeq summaries) or set go_terms_file");
  }

  std::int64_t dim_;
  std::int64_t min_df_;
  bool bigrams_;
  bool stop_words_;
  std::string go_terms_file_;
  std::string corpus_file_;
  std::int64_t seed_;
  std::int64_t power_iterations_;
  bool missing_flag_;
};

}  // namespace

sdk::OptionSchema text_lsa_options() {
  sdk::OptionSchema s;
  s.add("dim", std::int64_t{256}, "output dimension (SVD components; zero columns beyond the TF-IDF rank)").min(1);
  s.add("min_df", std::int64_t{2}, "keep words and bigrams that occur in at least this many documents").min(1);
  s.add("bigrams", true, "add word bigrams to the unigrams");
  s.add("stop_words", true, "drop English stop words (scikit-learn's list) before forming bigrams");
  s.add_path("go_terms_file", "",
        "GO term table (go_id, ontology, term) whose term names describe genes without a RefSeq summary, e.g. "
        "\"${TRELLIS_DATA_DIR}/genes/go_terms.tsv.gz\"; empty: such genes get their short name only");
  s.add_path("corpus_file", "",
        "optional symbol<TAB>text file (plain or .gz) to fit the vocabulary, idf and SVD on; the universe is then "
        "projected onto its components");
  s.add("seed", std::int64_t{-1}, "seed of the randomized SVD; -1: the run's seed").min(-1);
  s.add("power_iterations", std::int64_t{4},
        "power iterations of the randomized SVD: more = more accurate trailing components, each costs two "
        "passes over the matrix")
      .min(0);
  s.add("missing_flag", true, "append a column that is 1 for genes without usable text (their row is zero)");
  return s;
}

std::shared_ptr<sdk::FeatureEncoder> make_text_lsa(const sdk::Options& options) {
  return std::make_shared<TextLsa>(options);
}

}  // namespace trellis::encoders
