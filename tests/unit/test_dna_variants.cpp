// Variants and their scores: MPRA references rebuilt from the rows, the
// variant table's checks, GPN's substitution score and the deletion score
// against a by-hand model, strand symmetry, and the MPRA evaluation.
#include <cmath>

#include <ATen/ATen.h>

#include "catch.hpp"
#include "plugin_support.hpp"
#include "support.hpp"
#include "trellis/dna/mpra_evaluation.hpp"
#include "trellis/dna/variant_scoring.hpp"
#include "trellis/dna/variants.hpp"
#include "trellis/sdk/dna_model.hpp"
#include "trellis/sdk/dna_sequence.hpp"
#include "trellis/sdk/error.hpp"

namespace dna = trellis::core::dna;
namespace sdk = trellis::sdk;
using Catch::Contains;
using Catch::Matchers::WithinAbs;
using trellis::test::TempDir;

namespace {

// A model whose prediction at a position depends on its two neighbours
// only: logit(x) = w_left[left][x] + w_right[right][x], so scores can be
// worked out by hand.
class NeighbourModel : public sdk::DnaModel {
 public:
  NeighbourModel() {
    weights_ = at::arange(40, at::kFloat).view({10, 4}).sin() * 2;  // any fixed numbers
  }
  at::Tensor hidden(const at::Tensor& tokens) override {
    const at::Tensor pad = at::full({tokens.size(0), 1}, sdk::kBaseN, at::kLong);
    const at::Tensor left = at::cat({pad, tokens.narrow(1, 0, tokens.size(1) - 1)}, 1);
    const at::Tensor right = at::cat({tokens.narrow(1, 1, tokens.size(1) - 1), pad}, 1);
    return at::cat({at::one_hot(left, 5), at::one_hot(right, 5)}, 2).to(at::kFloat);
  }
  at::Tensor logits(const at::Tensor& hidden) override { return at::matmul(hidden, weights_); }
  std::int64_t hidden_size() const override { return 10; }
  std::string architecture() const override { return "neighbour"; }

  // ln P(x | left, right), computed directly.
  double log_prob(std::int64_t left, std::int64_t x, std::int64_t right) const {
    double z = 0;
    for (int b = 0; b < 4; ++b)
      z += std::exp(weights_[left][b].item<double>() + weights_[5 + right][b].item<double>());
    return weights_[left][x].item<double>() + weights_[5 + right][x].item<double>() - std::log(z);
  }
  // Summed ln P of every known base of `s` given its neighbours in `s`,
  // skipping index `skip` of `s`.
  double summed(const std::string& s, std::int64_t skip) const {
    double sum = 0;
    for (std::int64_t j = 0; j < static_cast<std::int64_t>(s.size()); ++j) {
      if (j == skip || s[j] == 'N') continue;
      const std::int64_t l = j > 0 ? sdk::dna_token(s[j - 1]) : sdk::kBaseN;
      const std::int64_t r = j + 1 < static_cast<std::int64_t>(s.size()) ? sdk::dna_token(s[j + 1]) : sdk::kBaseN;
      sum += log_prob(l, sdk::dna_token(s[j]), r);
    }
    return sum;
  }

 private:
  at::Tensor weights_;
};

dna::Variant variant(std::shared_ptr<const std::string> reference, std::int64_t offset, char alt) {
  dna::Variant v;
  v.chrom = "1";
  v.pos = offset + 1;
  v.reference = reference;
  v.offset = offset;
  v.ref = (*reference)[static_cast<std::size_t>(offset)];
  v.alt = alt;
  return v;
}

char complement(char c) { return sdk::reverse_complement(std::string(1, c))[0]; }

// The same variant written on the other strand.
dna::Variant other_strand(const dna::Variant& v) {
  dna::Variant r = v;
  r.reference = std::make_shared<const std::string>(sdk::reverse_complement(*v.reference));
  r.offset = static_cast<std::int64_t>(v.reference->size()) - 1 - v.offset;
  r.ref = complement(v.ref);
  r.alt = v.deletion() ? '-' : complement(v.alt);
  return r;
}

const std::string kReference = "GATTACACCGTAGGCTAACGT";

}  // namespace

TEST_CASE("a substitution's score is GPN's: masked centre, alt minus ref, both strands", "[dna]") {
  NeighbourModel model;
  const auto ref = std::make_shared<const std::string>(kReference);
  // Offset 5 is C between A (4) and A (6); alt T. Forward: ln P(T | A, A) - ln P(C | A, A).
  // Reverse strand: the complement G between T and T: ln P(A | T, T) - ln P(G | T, T).
  const auto v = variant(ref, 5, 'T');
  REQUIRE(v.ref == 'C');
  const double forward = model.log_prob(0, 3, 0) - model.log_prob(0, 1, 0);
  const double reverse = model.log_prob(3, 0, 3) - model.log_prob(3, 2, 3);
  dna::ScoreSettings s;
  s.flank = 4;
  const auto scores = dna::score_with_model(model, {v, variant(ref, 5, 'G')}, s);
  CHECK_THAT(scores[0], WithinAbs(0.5 * (forward + reverse), 1e-5));
  CHECK_THAT(scores[1], WithinAbs(0.5 * (model.log_prob(0, 2, 0) - model.log_prob(0, 1, 0) +
                                         model.log_prob(3, 1, 3) - model.log_prob(3, 2, 3)),
                                  1e-5));
  // The windows: centred, N beyond the reference.
  CHECK(dna::centred_window(kReference, 5, 4) == "ATTACACCG");
  CHECK(dna::centred_window(kReference, 1, 4) == "NNNGATTAC");
}

TEST_CASE("a deletion's score is the change in summed log-likelihood of the bases it keeps", "[dna]") {
  NeighbourModel model;
  const auto ref = std::make_shared<const std::string>(kReference);
  const auto v = variant(ref, 9, '-');
  dna::ScoreSettings s;
  s.flank = 5;
  // Window 4..14 = "ACACCGTAGGC", deleted base at its index 5; the alternative
  // window drops it. Both strands, by brute force.
  const std::string window = kReference.substr(4, 11);
  const std::string alt = window.substr(0, 5) + window.substr(6);
  const double forward = model.summed(alt, -1) - model.summed(window, 5);
  const double reverse = model.summed(sdk::reverse_complement(alt), -1) - model.summed(sdk::reverse_complement(window), 5);
  CHECK_THAT(dna::score_with_model(model, {v}, s)[0], WithinAbs(0.5 * (forward + reverse), 1e-4));
}

TEST_CASE("strand averaging is symmetric: a variant and its reverse-complement form score alike", "[dna]") {
  const auto& host = trellis::test::build_tree_plugins();
  auto model = host.create<sdk::DnaModel>("gpn_conv", {{"layers", 3}, {"dim", 16}}, "test");
  const auto ref = std::make_shared<const std::string>(kReference);
  std::vector<dna::Variant> variants{variant(ref, 3, 'G'), variant(ref, 10, 'C'), variant(ref, 12, '-'),
                                     variant(ref, 0, 'C')};
  std::vector<dna::Variant> flipped;
  for (const auto& v : variants) flipped.push_back(other_strand(v));
  dna::ScoreSettings s;
  s.flank = 7;
  const auto a = dna::score_with_model(*model, variants, s);
  const auto b = dna::score_with_model(*model, flipped, s);
  dna::ContextCounts counts;
  counts.add("ACGGTTACGATTTACCAGT");
  const auto ca = dna::score_with_context(counts, variants, 7);
  const auto cb = dna::score_with_context(counts, flipped, 7);
  for (std::size_t i = 0; i < variants.size(); ++i) {
    INFO("variant " << variants[i].name());
    CHECK_THAT(a[i], WithinAbs(b[i], 1e-5));
    CHECK_THAT(ca[i], WithinAbs(cb[i], 1e-9));
    CHECK(a[i] != 0);
  }
}

TEST_CASE("MPRA references are rebuilt from the rows; gaps and Ref conflicts are flagged", "[dna]") {
  TempDir dir;
  const std::string header = "Chrom\tPos\tRef\tAlt\tBarcodes\tCoefficient\tpValue\tElement\n";
  // Element E on chr2: 100 A, 101 C, 103 T (102 missing: a gap).
  const auto file = dir.write("mpra.tsv", header +
                                              "2\t100.0\tA\tG\t5\t-0.5\t1e-9\tE\n"
                                              "2\t101.0\tC\t-\t5\t0.1\t0.5\tE\n"
                                              "2\t103.0\tT\tA\t5\t0.2\t7.04e-312\tE\n"
                                              "2\t101.0\tC\tA\t5\t0.0\t0.9\tE\n"
                                              "5\t10\tG\tC\t5\t0.3\t0.01\tF\n");
  const dna::MpraData data = dna::read_mpra(file.string());
  REQUIRE(data.elements.size() == 2);
  const auto& e = data.elements.at("E");
  CHECK(*e.sequence == "ACNT");
  CHECK(e.start == 100);
  CHECK(e.gaps == std::vector<std::int64_t>{102});
  REQUIRE(data.variants.size() == 5);
  CHECK(data.variants[2].offset == 3);
  CHECK(data.variants[1].deletion());
  CHECK(data.variants[2].p_value > 0);  // a subnormal p-value is read, not rejected

  const auto conflict = dir.write("conflict.tsv", header +
                                                      "2\t100\tA\tG\t5\t-0.5\t1e-9\tE\n"
                                                      "2\t100\tC\tG\t5\t-0.5\t1e-9\tE\n");
  CHECK_THROWS_WITH(dna::read_mpra(conflict.string()),
                    Contains("conflict.tsv', line 3") && Contains("Ref conflict in element E at 2:100") &&
                        Contains("C here, A at line 2"));
  const auto two_chromosomes = dir.write("chroms.tsv", header +
                                                           "2\t100\tA\tG\t5\t-0.5\t1e-9\tE\n"
                                                           "3\t101\tC\tG\t5\t-0.5\t1e-9\tE\n");
  CHECK_THROWS_WITH(dna::read_mpra(two_chromosomes.string()), Contains("element E is on chromosome 3 here but on 2"));
  const auto long_allele = dir.write("long.tsv", header + "2\t100\tA\tGT\t5\t-0.5\t1e-9\tE\n");
  CHECK_THROWS_WITH(dna::read_mpra(long_allele.string()), Contains("line 2: Alt 'GT' is not a single base"));
}

TEST_CASE("the variant table checks each variant against its window", "[dna]") {
  TempDir dir;
  const std::string header = "chrom\tpos\tref\talt\twindow_start\twindow\n";
  const auto good = dir.write("v.tsv", header + "7\t1005\tC\tT\t1000\tGATTACACCGTAG\n");
  const auto variants = dna::read_variant_table(good.string(), 3);
  REQUIRE(variants.size() == 1);
  CHECK(variants[0].offset == 5);
  CHECK(variants[0].name() == "7:1005:C>T");

  const auto wrong_ref = dir.write("ref.tsv", header + "7\t1005\tG\tT\t1000\tGATTACACCGTAG\n");
  CHECK_THROWS_WITH(dna::read_variant_table(wrong_ref.string(), 3),
                    Contains("ref.tsv', line 2") && Contains("ref allele of variant 7:1005:G>T disagrees") &&
                        Contains("has C at 1005"));
  const auto edge = dir.write("edge.tsv", header + "7\t1001\tA\tT\t1000\tGATTACACCGTAG\n");
  CHECK_THROWS_WITH(dna::read_variant_table(edge.string(), 3),
                    Contains("variant 7:1001:A>T is too close to the window edge") && Contains("at least 3"));
  const auto bad_window = dir.write("bad.tsv", header + "7\t1005\tC\tT\t1000\tGATTACRCCGTAG\n");
  CHECK_THROWS_WITH(dna::read_variant_table(bad_window.string(), 3),
                    Contains("bad.tsv', line 2, column window") && Contains("'R' at position 7"));
}

TEST_CASE("the MPRA evaluation by hand", "[dna]") {
  const auto ref = std::make_shared<const std::string>("ACGTACGT");
  std::vector<dna::Variant> v;
  // Coefficients and p-values: two significant losses, one significant gain
  // (left out of the AUROC), three non-significant.
  const double coefficient[] = {-1.0, -0.8, 0.9, 0.1, 0.0, -0.1};
  const double p[] = {1e-9, 1e-7, 1e-8, 0.5, 0.2, 0.01};
  for (int i = 0; i < 6; ++i) {
    auto x = variant(ref, i, 'N');
    x.alt = (i == 5) ? '-' : 'A';
    x.element = i < 3 ? "E1" : "E2";
    x.coefficient = coefficient[i];
    x.p_value = p[i];
    v.push_back(x);
  }
  // Scores 1..6: Spearman with the coefficients; the positives (scores 1, 2)
  // score lowest, so -score ranks them above every negative: AUROC 1.
  const dna::MethodScores m{"m", {1, 2, 3, 4, 5, 6}};
  const auto rows = dna::evaluate_mpra(v, {m});
  REQUIRE(rows.size() == 3 + 2);
  CHECK(rows[0].element == "all");
  CHECK(rows[0].n == 6);
  CHECK(rows[0].positives == 2);
  CHECK(rows[0].negatives == 3);
  CHECK_THAT(rows[0].auroc, WithinAbs(1.0, 1e-12));
  // Coefficient ranks: -1 -> 1, -0.8 -> 2, 0.9 -> 6, 0.1 -> 5, 0 -> 4, -0.1 -> 3;
  // d = 0 0 -3 -1 1 3, sum d^2 = 20: rho = 1 - 6 * 20 / (6 * 35) = 3/7.
  CHECK_THAT(rows[0].spearman, WithinAbs(3.0 / 7.0, 1e-12));
  CHECK(rows[2].variants == "deletions");
  CHECK(rows[2].n == 1);
  CHECK(std::isnan(rows[2].auroc));
  CHECK(rows[3].element == "E1");
  CHECK(rows[3].n == 3);
  CHECK(dna::mpra_tsv(rows).rfind("element\tvariants\tmethod\tn\tpositives\tnegatives\tspearman\tauroc\n", 0) == 0);
}
