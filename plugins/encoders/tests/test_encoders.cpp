// The GRAPE knowledge encoders that end in a truncated SVD (encoder/text_lsa,
// encoder/dna_kmer, encoder/go_terms) and encoder/precomputed, loaded from
// the build tree: values on hand-made genes (by hand, or from scikit-learn /
// NumPy, scripts in the comments), the real Norman 2019 universe, and every
// failure message.
//
// With dim >= the rank of a matrix X, an encoder's output F = U*S satisfies
// F F^T = X X^T and its column norms are X's singular values, whatever the
// signs of the components: the tests compare those with independent values.
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string_view>

#include <ATen/ATen.h>
#include <torch/csrc/api/include/torch/serialize.h>
#include <torch/csrc/jit/serialization/pickle.h>
#include "catch.hpp"
#include <nlohmann/json.hpp>

#include "plugin_support.hpp"
#include "support.hpp"
#include "trellis/data/universe.hpp"
#include "trellis/sdk/text_input.hpp"
#include "trellis/plugin/plugin_host.hpp"
#include "trellis/sdk/encoder.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/log.hpp"

using namespace trellis;
using Catch::Contains;
using nlohmann::json;

namespace {

const core::plugin::PluginHost& host() { return test::build_tree_plugins(); }

std::shared_ptr<sdk::FeatureEncoder> make(const std::string& name, const json& options = json::object()) {
  return host().create<sdk::FeatureEncoder>(name, options, "[model.encoders.e]");
}

using test::LogCapture;

sdk::Gene gene(const std::string& symbol) {
  sdk::Gene g;
  g.symbol = symbol;
  return g;
}

sdk::BuildContext context_of(const sdk::GeneTable& genes, std::uint64_t seed = 7) {
  sdk::BuildContext c;
  c.genes = &genes;
  c.seed = seed;
  return c;
}

/// F F^T of the feature columns (the missing flag, the last column, left out).
at::Tensor gram(const at::Tensor& out) {
  const at::Tensor f = out.narrow(1, 0, out.size(1) - 1).to(at::kDouble);
  return f.matmul(f.t());
}

void check_matrix(const at::Tensor& got, const std::vector<std::vector<double>>& expected, double margin = 1e-5) {
  REQUIRE(got.size(0) == static_cast<std::int64_t>(expected.size()));
  for (std::size_t i = 0; i < expected.size(); ++i)
    for (std::size_t j = 0; j < expected[i].size(); ++j) {
      INFO("entry " << i << ", " << j);
      CHECK(got[static_cast<std::int64_t>(i)][static_cast<std::int64_t>(j)].item<double>() ==
            Approx(expected[i][j]).margin(margin));
    }
}

std::vector<double> missing_column(const at::Tensor& out) {
  std::vector<double> v;
  for (std::int64_t i = 0; i < out.size(0); ++i) v.push_back(out[i][out.size(1) - 1].item<double>());
  return v;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

// ---------------------------------------------------------------- text_lsa

// Expected values from scikit-learn 1.2.1 and NumPy (/usr/bin/python3):
//   docs = [the five descriptions below]
//   v = TfidfVectorizer(lowercase=True, token_pattern=r"[a-z0-9]+", ngram_range=(1, 2), stop_words="english",
//                       min_df=2, sublinear_tf=True, smooth_idf=True, norm="l2")
//   X = v.fit_transform(docs).toarray(); len(v.vocabulary_) -> 15
//   X @ X.T -> the gram below;  np.linalg.svd(X, compute_uv=False) -> the singular values below
//   corpus mode: Xu = v.transform(["STAT1 kinase in interferon signalling",
//                                  "globin promoters of the erythroid lineage"]).toarray()
//   U, S, Vt = np.linalg.svd(X, full_matrices=False); Xu @ Vt.T @ Vt @ Xu.T -> diag(0.7424413, 0.125)
const std::vector<std::string> kDocs{
    "The kinase phosphorylates STAT1 in the interferon pathway.",
    "Interferon signalling: STAT1 and STAT2 form a complex; kinase JAK1 phosphorylates STAT1.",
    "A transcription factor of the erythroid lineage, binds CACCC boxes.",
    "Erythroid transcription factor KLF1 binds CACCC boxes in globin promoters; KLF1 factor.",
    "kinase kinase kinase of the MAP kinase pathway"};

TEST_CASE("text_lsa: TF-IDF and SVD match scikit-learn and NumPy", "[grape-encoders]") {
  sdk::GeneTable genes;
  for (std::size_t i = 0; i < kDocs.size(); ++i) {
    auto g = gene("G" + std::to_string(i));
    g.description = kDocs[i];
    genes.add(g);
  }
  auto empty = gene("EMPTY");  // no text at all
  genes.add(empty);
  LogCapture log;
  const auto out = make("text_lsa", json{{"dim", 8}})->encode(context_of(genes));
  REQUIRE(out.sizes() == at::IntArrayRef({6, 9}));
  CHECK(out.scalar_type() == at::kFloat);
  CHECK_THAT(log.all(), Contains("encoder/text_lsa: 15 terms"));
  CHECK_THAT(log.all(), Contains("text for 5 of 6 genes"));
  check_matrix(gram(out).narrow(0, 0, 5).narrow(1, 0, 5),
               {{1, 0.88130649, 0, 0, 0.49962015},
                {0.88130649, 1, 0, 0, 0.28941098},
                {0, 0, 1, 0.98015276, 0},
                {0, 0, 0.98015276, 1, 0},
                {0.49962015, 0.28941098, 0, 0, 1}});
  const at::Tensor singular = out.narrow(1, 0, 8).to(at::kDouble).norm(2, {0});
  const std::vector<double> expected{1.46754466, 1.40717901, 0.87038654, 0.29789252, 0.14088023, 0, 0, 0};
  for (std::int64_t j = 0; j < 8; ++j) CHECK(singular[j].item<double>() == Approx(expected[j]).margin(1e-5));
  CHECK(missing_column(out) == std::vector<double>{0, 0, 0, 0, 0, 1});
  CHECK(out[5].abs().sum().item<float>() == 1.f);  // zero row + flag

  // Deterministic for a seed; the seed option overrides the run's seed.
  CHECK(at::equal(out, make("text_lsa", json{{"dim", 8}})->encode(context_of(genes))));
  CHECK(at::equal(make("text_lsa", json{{"dim", 3}, {"seed", 5}})->encode(context_of(genes, 1)),
                  make("text_lsa", json{{"dim", 3}, {"seed", 5}})->encode(context_of(genes, 2))));
  CHECK(make("text_lsa", json{{"dim", 8}, {"missing_flag", false}})->encode(context_of(genes)).size(1) == 8);
}

TEST_CASE("text_lsa: corpus_file fits the components, the universe is projected", "[grape-encoders]") {
  test::TempDir dir;
  std::string corpus = "symbol\ttext\n";
  for (std::size_t i = 0; i < kDocs.size(); ++i) corpus += "C" + std::to_string(i) + "\t" + kDocs[i] + "\n";
  const auto file = dir.write("corpus.tsv", corpus);
  sdk::GeneTable genes;
  auto a = gene("A"), b = gene("B"), c = gene("C");
  a.description = "STAT1 kinase in interferon signalling";
  b.description = "globin promoters of the erythroid lineage";
  c.description = "nothing known here";  // text, but no corpus term
  genes.add(a);
  genes.add(b);
  genes.add(c);
  LogCapture log;
  const auto out = make("text_lsa", json{{"dim", 8}, {"corpus_file", file.string()}})->encode(context_of(genes));
  REQUIRE(out.sizes() == at::IntArrayRef({3, 9}));
  check_matrix(gram(out), {{0.7424413, 0, 0}, {0, 0.125, 0}, {0, 0, 0}});
  CHECK(missing_column(out) == std::vector<double>{0, 0, 1});
  CHECK_THAT(log.all(), Contains("fitted on 5 corpus documents"));

  const auto bad = dir.write("bad.tsv", "C0\tsome text\nC1 no tab here\n");
  CHECK_THAT(error_of([&] { make("text_lsa", json{{"corpus_file", bad.string()}})->encode(context_of(genes)); }),
             Contains("line 2 of corpus file '" + bad.string() + "' has no tab: expected symbol<TAB>text"));
  CHECK_THAT(error_of([&] {
               make("text_lsa", json{{"corpus_file", (dir.path() / "none.tsv").string()}})->encode(context_of(genes));
             }),
             Contains("option 'corpus_file': file '" + (dir.path() / "none.tsv").string() +
                      "' does not exist"));
}

TEST_CASE("text_lsa: genes without a summary use their name and GO term names", "[grape-encoders]") {
  test::TempDir dir;
  const auto terms = dir.write("go_terms.tsv",
                               "go_id\tontology\tterm\tdefinition\n"
                               "GO:0000001\tMF\tprotein kinase activity\tx\n"
                               "GO:0000002\tBP\terythrocyte differentiation\ty\n");
  sdk::GeneTable genes;
  auto a = gene("A"), b = gene("B"), c = gene("C");
  a.description = "A protein kinase of the erythrocyte membrane.";
  b.short_name = "zinc finger";
  b.go_terms = {"GO:0000001"};   // "kinase" reaches min_df = 2 only through this name
  c.short_name = "zinc finger";  // c's name pairs with b's
  genes.add(a);
  genes.add(b);
  genes.add(c);
  LogCapture log;
  const auto with_go =
      make("text_lsa", json{{"dim", 4}, {"go_terms_file", terms.string()}})->encode(context_of(genes));
  // Vocabulary: kinase, protein, protein kinase (A and B), finger, zinc, zinc finger (B and C).
  CHECK_THAT(log.all(), Contains("encoder/text_lsa: 6 terms; 1 genes with a summary, 2 with a short name or GO"));
  CHECK(missing_column(with_go) == std::vector<double>{0, 0, 0});
  const auto without = make("text_lsa", json{{"dim", 4}})->encode(context_of(genes));
  CHECK(missing_column(without) == std::vector<double>{1, 0, 0});  // A shares no word with B or C
  CHECK_THAT(log.all(), Contains("set go_terms_file"));

  const auto wrong = dir.write("wrong.tsv", "id\tname\nGO:1\tx\n");
  CHECK_THAT(error_of([&] {
               make("text_lsa", json{{"go_terms_file", wrong.string()}})->encode(context_of(genes));
             }),
             Contains("GO term file '" + wrong.string() + "' has no column 'go_id' (columns: id, name)"));
}

TEST_CASE("text_lsa: option and vocabulary errors", "[grape-encoders]") {
  CHECK_THAT(error_of([] { make("text_lsa", json{{"dim", 0}}); }), Contains("dim"));
  CHECK_THAT(error_of([] { make("text_lsa", json{{"min_df", 0}}); }), Contains("min_df"));
  CHECK_THAT(error_of([] { make("text_lsa", json{{"dims", 3}}); }), Contains("dims"));
  sdk::GeneTable genes;
  auto a = gene("A"), b = gene("B");
  a.description = "alpha";
  b.description = "beta";
  genes.add(a);
  genes.add(b);
  CHECK_THAT(error_of([&] { make("text_lsa")->encode(context_of(genes)); }),
             Contains("no word of the universe's gene texts occurs in min_df = 2 documents"));
  CHECK_THAT(error_of([&] { make("text_lsa", json{{"min_df", 3}})->encode(context_of(genes)); }),
             Contains("min_df = 3 but the universe's gene texts make only 2 documents"));
}

// ---------------------------------------------------------------- dna_kmer

// Canonical 2-mers by hand (k-mer and reverse complement are one; N breaks k-mers):
//   "ACGT"  -> AC, CG, GT(=AC)        -> AC 2/3, CG 1/3
//   "AANTT" -> AA, TT(=AA)            -> AA 1
//   "aacg"  -> AA, AC, CG             -> AA 1/3, AC 1/3, CG 1/3
//   gram of the frequencies: [[5/9, 0, 1/3], [0, 1, 1/3], [1/3, 1/3, 1/3]]
TEST_CASE("dna_kmer: canonical k-mer frequencies by hand", "[grape-encoders]") {
  sdk::GeneTable genes;
  const std::vector<std::string> sequences{"ACGT", "AANTT", "aacg", ""};
  for (std::size_t i = 0; i < sequences.size(); ++i) {
    auto g = gene("G" + std::to_string(i));
    g.sequence = sequences[i];
    genes.add(g);
  }
  LogCapture log;
  const auto out = make("dna_kmer", json{{"k", 2}, {"dim", 12}})->encode(context_of(genes));
  REQUIRE(out.sizes() == at::IntArrayRef({4, 13}));
  check_matrix(gram(out), {{5. / 9, 0, 1. / 3, 0}, {0, 1, 1. / 3, 0}, {1. / 3, 1. / 3, 1. / 3, 0}, {0, 0, 0, 0}});
  CHECK(missing_column(out) == std::vector<double>{0, 0, 0, 1});
  CHECK_THAT(log.all(), Contains("10 canonical 2-mers (fewer than dim = 12: the last columns are zero)"));
  CHECK_THAT(log.all(), Contains("sequence for 3 of 4 genes (75.0%)"));
  CHECK(out.narrow(1, 10, 2).abs().sum().item<float>() == 0.f);
  // k = 4: (4^4 + 4^2) / 2 = 136 canonical 4-mers.
  make("dna_kmer", json{{"dim", 200}})->encode(context_of(genes));
  CHECK_THAT(log.all(), Contains("136 canonical 4-mers"));
  // log transform: ln(1 + f * 10) for k = 2; gene 1 has only AA (f = 1): ln 11.
  const auto logged = make("dna_kmer", json{{"k", 2}, {"dim", 12}, {"transform", "log"}})->encode(context_of(genes));
  CHECK(gram(logged)[1][1].item<double>() == Approx(std::pow(std::log(11.0), 2)).margin(1e-5));
  CHECK(at::equal(out, make("dna_kmer", json{{"k", 2}, {"dim", 12}})->encode(context_of(genes))));
}

TEST_CASE("dna_kmer: sequences from FASTA and TSV files, by symbol, Ensembl or EPD id", "[grape-encoders]") {
  test::TempDir dir;
  sdk::GeneTable genes;
  auto a = gene("NOC2L"), b = gene("KLF1"), c = gene("TP53");
  b.ensembl_id = "ENSG00000105610";
  a.sequence = "TTTTTTTT";  // ignored: the file replaces the annotation's sequences
  genes.add(a);
  genes.add(b);
  genes.add(c);
  // NOC2L: two promoters joined with N: "ACG" + "TAC" -> AC, CG, TA, AC (no k-mer spans the join):
  //   AC 2/4, CG 1/4, TA 1/4. KLF1 (by Ensembl id with version): "AAAA" -> AA 1.
  const auto fasta = dir.write("p.fa", ">NOC2L_1 first promoter\nAC\nG\n>NOC2L_2\nTAC\n>ENSG00000105610.3\naaaa\n"
                                       ">OTHER_1\nACGT\n");
  LogCapture log;
  const auto out =
      make("dna_kmer", json{{"k", 2}, {"dim", 10}, {"sequences_file", fasta.string()}})->encode(context_of(genes));
  check_matrix(gram(out), {{6. / 16, 0, 0}, {0, 1, 0}, {0, 0, 0}});
  CHECK(missing_column(out) == std::vector<double>{0, 0, 1});
  CHECK_THAT(log.all(), Contains("3 of 4 sequences in '" + fasta.string() + "' belong to universe genes"));

  const auto tsv = dir.write("p.tsv", "id\tsequence\nNOC2L_1\tACG\nNOC2L_2\tTAC\nKLF1\tAAAA\n");
  const auto from_tsv =
      make("dna_kmer", json{{"k", 2}, {"dim", 10}, {"sequences_file", tsv.string()}})->encode(context_of(genes));
  check_matrix(gram(from_tsv), {{6. / 16, 0, 0}, {0, 1, 0}, {0, 0, 0}});
}

TEST_CASE("dna_kmer: errors name the gene, the file and line, and the fix", "[grape-encoders]") {
  test::TempDir dir;
  sdk::GeneTable genes;
  auto a = gene("A");
  a.sequence = "ACGUAC";
  genes.add(a);
  CHECK_THAT(error_of([&] { make("dna_kmer")->encode(context_of(genes)); }),
             Contains("the sequence of gene 'A' (Gene::sequence from the annotation) has 'U' at "
                      "position 4; sequences may hold only A, C, G, T and N (any case): replace other IUPAC codes "
                      "with N"));
  const auto tsv = dir.write("s.tsv", "A\tACGT\nB\tACRT\n");
  CHECK_THAT(error_of([&] { make("dna_kmer", json{{"sequences_file", tsv.string()}})->encode(context_of(genes)); }),
             Contains("the sequence of gene 'B' (file '" + tsv.string() + "', line 2) has 'R' at position 3"));
  const auto notab = dir.write("n.tsv", "A\tACGT\nB ACGT\n");
  CHECK_THAT(error_of([&] { make("dna_kmer", json{{"sequences_file", notab.string()}})->encode(context_of(genes)); }),
             Contains("line 2 of '" + notab.string() + "' has no tab: expected id<TAB>sequence"));
  CHECK_THAT(error_of([&] {
               make("dna_kmer", json{{"sequences_file", (dir.path() / "x.fa").string()}})->encode(context_of(genes));
             }),
             Contains("option 'sequences_file': file '" + (dir.path() / "x.fa").string() +
                      "' does not exist"));
  CHECK_THAT(error_of([] { make("dna_kmer", json{{"k", 13}}); }), Contains("option 'k' must be between 1 and 12, got 13"));
  CHECK_THAT(error_of([] { make("dna_kmer", json{{"transform", "sqrt"}}); }),
             Contains("option 'transform' must be one of \"frequency\", \"log\", got \"sqrt\""));
}

// ---------------------------------------------------------------- go_terms

// Hand-made genes: A {T1, T2}, B {T1, T3}, C {T2}, D {}, E {T4}; min_genes 2 keeps T1 (A, B) and T2 (A, C).
//   binary rows A [1, 1], B [1, 0], C [0, 1] -> gram AA 2, AB 1, AC 1, BB 1, BC 0, CC 1; D and E missing.
//   tfidf: both kept terms have df 2 (same idf), rows scaled to unit length: A [1/sqrt2, 1/sqrt2], B [1, 0],
//   C [0, 1] -> AB = AC = 0.70710678.
TEST_CASE("go_terms: binary and tf-idf term profiles by hand", "[grape-encoders]") {
  sdk::GeneTable genes;
  const std::vector<std::pair<std::string, std::vector<std::string>>> terms{
      {"A", {"GO:1", "GO:2"}}, {"B", {"GO:1", "GO:3", "GO:1"}}, {"C", {"GO:2"}}, {"D", {}}, {"E", {"GO:4"}}};
  for (const auto& [symbol, go] : terms) {
    auto g = gene(symbol);
    g.go_terms = go;
    genes.add(g);
  }
  LogCapture log;
  const auto out = make("go_terms", json{{"dim", 4}})->encode(context_of(genes));
  REQUIRE(out.sizes() == at::IntArrayRef({5, 5}));
  check_matrix(gram(out), {{2, 1, 1, 0, 0}, {1, 1, 0, 0, 0}, {1, 0, 1, 0, 0}, {0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}});
  CHECK(missing_column(out) == std::vector<double>{0, 0, 0, 1, 1});
  CHECK_THAT(log.all(), Contains("encoder/go_terms: 2 of 4 GO terms held by at least 2 universe genes; 4 annotations"));
  const auto tfidf = make("go_terms", json{{"dim", 4}, {"weighting", "tfidf"}})->encode(context_of(genes));
  check_matrix(gram(tfidf).narrow(0, 0, 3).narrow(1, 0, 3),
               {{1, 0.70710678, 0.70710678}, {0.70710678, 1, 0}, {0.70710678, 0, 1}});
  const auto all = make("go_terms", json{{"dim", 4}, {"min_genes", 1}})->encode(context_of(genes));
  CHECK(missing_column(all) == std::vector<double>{0, 0, 0, 1, 0});
  CHECK(at::equal(out, make("go_terms", json{{"dim", 4}})->encode(context_of(genes))));

  // Ontology selection reads the term table: only BP terms (GO:1, GO:3) remain; min_genes 1.
  test::TempDir dir;
  const auto table = dir.write("go_terms.tsv", "go_id\tontology\tterm\nGO:1\tBP\ta\nGO:2\tMF\tb\nGO:3\tBP\tc\n"
                                               "GO:4\tCC\td\n");
  const auto bp = make("go_terms", json{{"dim", 4}, {"ontologies", {"BP"}}, {"go_terms_file", table.string()},
                                        {"min_genes", 1}})
                      ->encode(context_of(genes));
  check_matrix(gram(bp), {{1, 1, 0, 0, 0}, {1, 2, 0, 0, 0}, {0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}});
  CHECK(missing_column(bp) == std::vector<double>{0, 0, 1, 1, 1});

  CHECK_THAT(error_of([] { make("go_terms", json{{"ontologies", {"BP"}}}); }),
             Contains("selecting ontologies needs the GO term table: set go_terms_file"));
  CHECK_THAT(error_of([] { make("go_terms", json{{"ontologies", {"XX"}}}); }),
             Contains("option 'ontologies' (element 1) must be one of \"BP\", \"CC\", \"MF\", got \"XX\""));
  CHECK_THAT(error_of([] { make("go_terms", json{{"weighting", "idf"}}); }),
             Contains("option 'weighting' must be one of \"binary\", \"tfidf\", got \"idf\" (did you mean \"tfidf\"?)"));
}

// ---------------------------------------------------------------- precomputed

namespace {
sdk::GeneTable precomputed_genes() {
  sdk::GeneTable genes;
  auto a = gene("STAT1"), b = gene("KLF1"), c = gene("TP53"), d = gene("GATA1");
  b.ensembl_id = "ENSG00000105610";
  c.entrez_id = 7157;
  genes.add(a);
  genes.add(b);
  genes.add(c);
  genes.add(d);
  return genes;
}
}  // namespace

TEST_CASE("precomputed: TSV and CSV by symbol, Ensembl and Entrez id", "[grape-encoders]") {
  test::TempDir dir;
  const auto genes = precomputed_genes();
  const auto tsv = dir.write("e.tsv", "gene\td1\td2\nSTAT1\t1.5\t-2\nENSG00000105610.7\t3\t4e-1\n7157\t0\t1\n"
                                      "OTHER\t9\t9\nSTAT1\t7\t7\n");
  LogCapture log;
  const auto out = make("precomputed", json{{"file", tsv.string()}})->encode(context_of(genes));
  REQUIRE(out.sizes() == at::IntArrayRef({4, 3}));
  const std::vector<std::vector<double>> expected{{1.5, -2, 0}, {3, 0.4, 0}, {0, 1, 0}, {0, 0, 1}};
  check_matrix(out, expected, 1e-6);
  CHECK_THAT(log.all(), Contains("5 rows of dimension 2"));
  CHECK_THAT(log.all(), Contains("1 name no universe gene; 1 repeat a gene already read (ignored)"));
  CHECK_THAT(log.all(), Contains("an embedding for 3 of 4 genes (75.0%)"));
  // No header, commas.
  const auto csv = dir.write("e.csv", "STAT1,1.5,-2\nENSG00000105610,3,0.4\nTP53,0,1\n");
  check_matrix(make("precomputed", json{{"file", csv.string()}})->encode(context_of(genes)), expected, 1e-6);
}

TEST_CASE("precomputed: tensor files with a keys file", "[grape-encoders]") {
  test::TempDir dir;
  const auto genes = precomputed_genes();
  const auto keys = dir.write("keys.txt", "GATA1\nSTAT1\nUNKNOWN\n");
  const at::Tensor values = at::tensor({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, at::kDouble).reshape({3, 2});
  const std::vector<std::vector<double>> expected{{3, 4, 0}, {0, 0, 1}, {0, 0, 1}, {1, 2, 0}};
  // torch::save (TorchScript archive) and torch::pickle_save (what Python's torch.save writes).
  const auto saved = (dir.path() / "saved.pt").string();
  torch::save(values, saved);
  check_matrix(make("precomputed", json{{"file", saved}, {"keys", keys.string()}})->encode(context_of(genes)),
               expected, 1e-6);
  const auto pickled = (dir.path() / "pickled.pt").string();
  {
    const auto bytes = torch::pickle_save(values);
    std::ofstream(pickled, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  check_matrix(make("precomputed", json{{"file", pickled}, {"keys", keys.string()}})->encode(context_of(genes)),
               expected, 1e-6);

  const auto flat = (dir.path() / "flat.pt").string();
  torch::save(at::ones({3}), flat);
  CHECK_THAT(error_of([&] {
               make("precomputed", json{{"file", flat}, {"keys", keys.string()}})->encode(context_of(genes));
             }),
             Contains("the tensor in '" + flat + "' has 1 dimensions; it must be 2-D [genes, dim]"));
  const auto two = dir.write("two.txt", "GATA1\nSTAT1\n");
  CHECK_THAT(error_of([&] {
               make("precomputed", json{{"file", saved}, {"keys", two.string()}})->encode(context_of(genes));
             }),
             Contains("keys file '" + two.string() + "' names 2 genes but the tensor in '" + saved +
                      "' has 3 rows; give one key per tensor row, in row order"));
  CHECK_THAT(error_of([&] { make("precomputed", json{{"file", saved}})->encode(context_of(genes)); }),
             Contains("tensor file '" + saved + "' needs option 'keys'"));
  const auto junk = dir.write("junk.pt", "not a tensor");
  CHECK_THAT(error_of([&] {
               make("precomputed", json{{"file", junk.string()}, {"keys", keys.string()}})->encode(context_of(genes));
             }),
             Contains("cannot read '" + junk.string() + "' as a tensor saved with torch.save (Python) or "
                      "torch::save / torch::pickle_save (C++)"));
}

TEST_CASE("precomputed: every failure names the file, line and column", "[grape-encoders]") {
  test::TempDir dir;
  const auto genes = precomputed_genes();
  const auto encode = [&](const std::string& file) {
    return error_of([&] { make("precomputed", json{{"file", file}})->encode(context_of(genes)); });
  };
  const auto missing = (dir.path() / "none.tsv").string();
  CHECK_THAT(encode(missing), Contains("option 'file': file '" + missing + "' does not exist"));
  const auto ragged = dir.write("r.tsv", "STAT1\t1\t2\nKLF1\t1\t2\t3\n");
  CHECK_THAT(encode(ragged.string()), Contains("line 2 of '" + ragged.string() +
                                               "' has 3 values but the lines before have 2"));
  const auto text = dir.write("t.tsv", "key\ta\tb\nSTAT1\t1\t2\nKLF1\t1\tx2\n");
  CHECK_THAT(encode(text.string()),
             Contains("line 3 of '" + text.string() + "', column 3: 'x2' is not a number"));
  const auto nan = dir.write("nan.tsv", "STAT1\t1\tnan\n");
  CHECK_THAT(encode(nan.string()), Contains("line 1 of '" + nan.string() + "', column 3: 'nan' is not a finite number"));
  const auto header_only = dir.write("h.tsv", "gene\ta\n");
  CHECK_THAT(encode(header_only.string()), Contains("'" + header_only.string() + "' has no data rows"));
  const auto parquet = dir.write("x.parquet", "");
  CHECK_THAT(encode(parquet.string()), Contains("cannot tell the format of '" + parquet.string() + "'"));
  CHECK_THAT(error_of([] { make("precomputed"); }), Contains("file"));
}

// ---------------------------------------------------------------- real data

// The Norman 2019 universe (530 genes) with the shared annotation. Expected coverage from
// /usr/bin/python3 (anndata 0.8), independent of Trellis:
//   universe = measured genes + perturbed genes not measured (530, as in test_graphs.cpp)
//   symbol -> entrez (genes/orghs_genes.tsv.gz, first row per symbol);
//   with a RefSeq summary (refseq_gene_summaries_human.tsv.gz, non-empty): 354
//   with GO terms (orghs_go.tsv.gz): 476
//   EPD promoters (sequences/epd_promoters_60bp.tsv.gz, id.rsplit('_', 1)[0] in universe): 410 genes, 808 records
namespace {
/// A build context over norman19_annotated(data), made once.
const sdk::BuildContext& norman(const std::filesystem::path& data) {
  static const std::unique_ptr<sdk::BuildContext> n = [&] {
    auto out = std::make_unique<sdk::BuildContext>();
    out->genes = test::norman19_annotated(data).data->screen.genes;
    out->seed = 3;
    return out;
  }();
  return *n;
}

double flagged(const at::Tensor& out) { return out.select(1, out.size(1) - 1).sum().item<double>(); }
}  // namespace

TEST_CASE("knowledge encoders on the Norman 2019 universe", "[grape-encoders][data]") {
  TRELLIS_REQUIRE_DATA(data);
  const auto& n = norman(data);
  REQUIRE(n.genes->size() == 530);
  LogCapture log;

  const auto text = make("text_lsa", json{{"go_terms_file", (data / "genes/go_terms.tsv.gz").string()}})
                        ->encode(n);
  CHECK(text.sizes() == at::IntArrayRef({530, 257}));
  CHECK_THAT(log.all(), Contains("354 genes with a summary"));
  CHECK(flagged(text) < 530 - 354);  // names and GO term names cover most of the rest
  CHECK(at::isfinite(text).all().item<bool>());
  // Rows of covered genes keep (almost) all of their TF-IDF length: at most 1.
  const at::Tensor norms = text.narrow(1, 0, 256).norm(2, {1});
  CHECK(norms.max().item<float>() <= 1.0001f);

  const auto go = make("go_terms")->encode(n);
  CHECK(go.sizes() == at::IntArrayRef({530, 65}));
  CHECK(flagged(go) >= 530 - 476);  // also genes whose only terms are held by one universe gene

  const auto promoters = (data / "sequences/epd_promoters_60bp.tsv.gz").string();
  const auto dna = make("dna_kmer", json{{"sequences_file", promoters}})->encode(n);
  CHECK(dna.sizes() == at::IntArrayRef({530, 65}));
  CHECK(flagged(dna) == 530 - 410);
  CHECK_THAT(log.all(), Contains("808 of 29598 sequences in '" + promoters + "' belong to universe genes"));
  CHECK_THAT(log.all(), Contains("encoder/dna_kmer: sequence for 410 of 530 genes (77.4%)"));
  CHECK(at::equal(dna, make("dna_kmer", json{{"sequences_file", promoters}})->encode(n)));
  // The annotation's own promoter (one per gene) is the default source.
  const auto annotated = make("dna_kmer")->encode(n);
  std::int64_t with_sequence = 0;
  for (const auto& g : n.genes->genes()) with_sequence += g.sequence.empty() ? 0 : 1;
  CHECK(flagged(annotated) == 530 - with_sequence);
  std::cout << log.all();
}

// Timing at genome scale (hidden from the normal suite): TRELLIS_PERF_GRAPE_ENCODERS=1
// builds (a) every gene of genes/orghs_go.tsv.gz (20,728) with its GO terms for
// encoder/go_terms and (b) every protein-coding gene of genes/orghs_genes.tsv.gz
// through the annotation (summaries, GO terms, promoters) for encoder/text_lsa and
// encoder/dna_kmer. Prints seconds per encoder; run under /usr/bin/time -v for peak RSS.
TEST_CASE("knowledge encoder time at genome scale", "[.perf][grape_encoders_perf]") {
  if (!std::getenv("TRELLIS_PERF_GRAPE_ENCODERS")) {
    WARN("set TRELLIS_PERF_GRAPE_ENCODERS=1");
    return;
  }
  TRELLIS_REQUIRE_DATA(data);
  const auto seconds_since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  };
  {
    std::map<std::string, std::vector<std::string>> terms;
    sdk::TextInput in(data / "genes/orghs_go.tsv.gz");
    std::string_view line;
    in.next(line);
    while (in.next(line)) {
      const auto a = line.find('\t'), b = line.find('\t', a + 1);
      terms[std::string(line.substr(0, a))].emplace_back(line.substr(a + 1, b - a - 1));
    }
    sdk::GeneTable genes;
    for (auto& [entrez, go] : terms) {
      auto g = gene("E" + entrez);
      g.go_terms = std::move(go);
      genes.add(g);
    }
    const auto start = std::chrono::steady_clock::now();
    const auto out = make("go_terms")->encode(context_of(genes));
    std::cout << "go_terms genes " << genes.size() << " dim " << out.size(1) << " seconds " << seconds_since(start)
              << "\n";
  }
  std::vector<std::string> coding;
  {
    sdk::TextInput in(data / "genes/orghs_genes.tsv.gz");
    std::string_view line;
    in.next(line);  // entrez_id symbol gene_name gene_type ...
    std::set<std::string> seen;
    while (in.next(line)) {
      std::vector<std::string_view> f;
      std::size_t s = 0;
      for (int i = 0; i < 4; ++i) {
        const auto t = line.find('\t', s);
        f.push_back(line.substr(s, t - s));
        s = t + 1;
      }
      if (f[3] == "protein-coding" && seen.insert(std::string(f[1])).second) coding.emplace_back(f[1]);
    }
  }
  const core::data::GeneKnowledge knowledge(json{{"source", "tsv"}, {"dir", data.string()}});
  auto start = std::chrono::steady_clock::now();
  const auto universe = knowledge.build(coding, {});
  std::cout << "annotation genes " << universe.genes.size() << " seconds " << seconds_since(start) << "\n";
  const auto context = context_of(universe.genes);
  start = std::chrono::steady_clock::now();
  auto out = make("text_lsa", json{{"go_terms_file", (data / "genes/go_terms.tsv.gz").string()}})->encode(context);
  std::cout << "text_lsa genes " << universe.genes.size() << " dim " << out.size(1) << " seconds "
            << seconds_since(start) << "\n";
  start = std::chrono::steady_clock::now();
  out = make("text_lsa", json{{"go_terms_file", (data / "genes/go_terms.tsv.gz").string()}, {"power_iterations", 1}})
            ->encode(context);
  std::cout << "text_lsa (power_iterations 1) seconds " << seconds_since(start) << "\n";
  start = std::chrono::steady_clock::now();
  out = make("dna_kmer")->encode(context);
  std::cout << "dna_kmer genes " << universe.genes.size() << " seconds " << seconds_since(start) << "\n";
  start = std::chrono::steady_clock::now();
  out = make("dna_kmer", json{{"k", 6}, {"sequences_file", (data / "sequences/epd_promoters_60bp.tsv.gz").string()}})
            ->encode(context);
  std::cout << "dna_kmer (k 6, all EPD promoters) seconds " << seconds_since(start) << "\n";
}
