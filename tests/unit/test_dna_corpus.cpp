// DNA as text and tokens, masking, the training corpus, the count
// baselines and Spearman's correlation. Expected values are worked out by
// hand in the comments beside them.
#include <cmath>
#include <map>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "catch.hpp"
#include "support.hpp"
#include "trellis/dna/context_counts.hpp"
#include "trellis/dna/corpus.hpp"
#include "trellis/dna/masked_training.hpp"
#include "trellis/dna/masking.hpp"
#include "trellis/sdk/dna_sequence.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/stats/rank_correlation.hpp"

namespace dna = trellis::core::dna;
namespace sdk = trellis::sdk;
using Catch::Contains;
using Catch::Matchers::WithinAbs;
using trellis::test::TempDir;

namespace {

std::vector<std::int64_t> values(const at::Tensor& t) {
  const at::Tensor c = t.contiguous().to(at::kLong);
  return {c.data_ptr<std::int64_t>(), c.data_ptr<std::int64_t>() + c.numel()};
}

}  // namespace

TEST_CASE("reverse complements of text and tokens", "[dna]") {
  CHECK(sdk::reverse_complement("AACGTN") == "NACGTT");
  // Case is kept: soft-masked bases stay soft-masked.
  CHECK(sdk::reverse_complement("acGT") == "ACgt");
  CHECK(values(sdk::dna_tokens("ACGTNacgtn")) == std::vector<std::int64_t>{0, 1, 2, 3, 4, 0, 1, 2, 3, 4});
  // AAC G N -> reversed N G C A A -> complemented N C G T T.
  const at::Tensor tokens = sdk::dna_tokens("AACGN").unsqueeze(0).repeat({2, 1});
  CHECK(values(sdk::reverse_complement_tokens(tokens)) == std::vector<std::int64_t>{4, 1, 2, 3, 3, 4, 1, 2, 3, 3});
  // Twice is the identity.
  CHECK(sdk::reverse_complement_tokens(sdk::reverse_complement_tokens(tokens)).equal(tokens));
}

TEST_CASE("masking chooses known bases only, 80 / 10 / 10, reproducibly", "[dna]") {
  // 200,000 bases, every 10th unknown.
  at::Tensor tokens = at::arange(200000, at::kLong).remainder(4).view({400, 500});
  tokens.index_put_({at::indexing::Slice(), at::indexing::Slice(0, at::indexing::None, 10)}, sdk::kBaseN);
  const dna::MaskSettings s;
  const auto masked = dna::mask_tokens(tokens, s, at::make_generator<at::CPUGeneratorImpl>(7));
  const at::Tensor known = tokens.ne(sdk::kBaseN);
  CHECK_FALSE(masked.chosen.logical_and(known.logical_not()).any().item<bool>());
  const double chosen = masked.chosen.sum().item<double>();
  // 180,000 known bases x 0.15 = 27,000 (sd ~150).
  CHECK_THAT(chosen / 180000.0, WithinAbs(0.15, 0.005));
  const at::Tensor shown_masked = masked.input.eq(sdk::kBaseN).logical_and(masked.chosen);
  CHECK_THAT(shown_masked.sum().item<double>() / chosen, WithinAbs(0.8, 0.01));
  // A random replacement differs from the base 3 times in 4: 0.1 x 0.75.
  const at::Tensor changed = masked.input.ne(tokens).logical_and(masked.input.ne(sdk::kBaseN));
  CHECK_THAT(changed.sum().item<double>() / chosen, WithinAbs(0.075, 0.006));
  // Nothing outside the chosen positions changes.
  CHECK(masked.input.masked_select(masked.chosen.logical_not()).equal(tokens.masked_select(masked.chosen.logical_not())));
  const auto again = dna::mask_tokens(tokens, s, at::make_generator<at::CPUGeneratorImpl>(7));
  CHECK(again.input.equal(masked.input));
  CHECK(again.chosen.equal(masked.chosen));
}

TEST_CASE("a batch's reverse-complement items flip tokens and weights together", "[dna]") {
  dna::Windows w;
  w.sequence = {"AACg", "CCTT"};
  const dna::WindowTokens all = dna::tokenize(w, 0.1);
  CHECK(values(all.tokens) == std::vector<std::int64_t>{0, 0, 1, 2, 1, 1, 3, 3});
  CHECK_THAT(all.weight[0][3].item<double>(), WithinAbs(0.1, 1e-7));  // lower case g
  // Item 2 = window 0 read as its reverse complement: cGTT.
  const dna::WindowTokens rows = dna::select_items(all, at::tensor(std::vector<std::int64_t>{2, 1}, at::kLong));
  CHECK(values(rows.tokens) == std::vector<std::int64_t>{1, 2, 3, 3, 1, 1, 3, 3});
  CHECK_THAT(rows.weight[0][0].item<double>(), WithinAbs(0.1, 1e-7));
  CHECK_THAT(rows.weight[0][3].item<double>(), WithinAbs(1.0, 1e-7));
}

TEST_CASE("corpus windows, the split by gene, and its errors", "[dna]") {
  CHECK(dna::window_starts(10, 4, 4) == std::vector<std::int64_t>{0, 4, 6});  // the last ends at the end
  CHECK(dna::window_starts(8, 4, 4) == std::vector<std::int64_t>{0, 4});
  CHECK(dna::window_starts(3, 4, 4) == std::vector<std::int64_t>{0});
  CHECK(dna::split_group("TP53_2") == "TP53");
  CHECK(dna::split_group("chr1_region") == "chr1_region");

  TempDir dir;
  std::string tsv = "id\tsequence\n";
  for (int g = 0; g < 200; ++g)
    for (int p = 1; p <= 2; ++p) tsv += "G" + std::to_string(g) + "_" + std::to_string(p) + "\tACGTACGTAC\n";
  tsv += "TINY_1\tACG\n";
  dna::CorpusSettings s;
  s.files = {dir.write("corpus.tsv", tsv).string()};
  s.window = 8;
  s.stride = 8;
  s.min_length = 5;
  s.validation_fraction = 0.2;
  const dna::Corpus corpus = dna::build_corpus(s);
  CHECK(corpus.records == 401);
  CHECK(corpus.short_records == 1);
  // A 10 bp record gives windows at 0 and 2; a gene's two promoters fall on one side.
  CHECK(corpus.train.size() + corpus.validation.size() == 800);
  CHECK(corpus.train_groups + corpus.validation_groups == 200);
  CHECK(corpus.validation.size() == 4 * corpus.validation_groups);
  CHECK(corpus.validation_groups > 20);
  CHECK(corpus.validation_groups < 60);
  std::map<std::string, int> side;
  for (const auto& r : corpus.train.record) side[dna::split_group(r)] |= 1;
  for (const auto& r : corpus.validation.record) side[dna::split_group(r)] |= 2;
  for (const auto& [gene, sides] : side) CHECK(sides != 3);

  s.min_length = 50;
  CHECK_THROWS_WITH(dna::build_corpus(s), Contains("the corpus is empty after filtering") &&
                                              Contains("401 records") && Contains("min_length = 50"));
  s.files = {dir.write("bad.tsv", "A_1\tACGTXA\n").string()};
  CHECK_THROWS_WITH(dna::build_corpus(s), Contains("gene 'A_1'") && Contains("bad.tsv', line 1") &&
                                              Contains("'X' at position 5") && Contains("A, C, G, T and N"));
}

TEST_CASE("count baselines by hand", "[dna]") {
  dna::ContextCounts counts;
  counts.add("ACA");
  counts.add("AAN");
  // Known bases: A C A A A -> A 4, C 1, G 0, T 0; P(A) = (4 + 1) / (5 + 4).
  CHECK_THAT(counts.total(), WithinAbs(5, 0));
  CHECK_THAT(counts.unigram_log_prob(sdk::kBaseA), WithinAbs(std::log(5.0 / 9.0), 1e-12));
  CHECK_THAT(counts.unigram_log_prob(sdk::kBaseG), WithinAbs(std::log(1.0 / 9.0), 1e-12));
  // Contexts (left, base, right): (N,A,C) (A,C,A) (C,A,N) (N,A,A) (A,A,N).
  // P(C | A, A) = (1 + 1) / (1 + 4); P(A | A, A) = 1 / 5; P(A | N, C) = 2 / 5.
  CHECK_THAT(counts.context_log_prob(sdk::kBaseA, sdk::kBaseC, sdk::kBaseA), WithinAbs(std::log(0.4), 1e-12));
  CHECK_THAT(counts.context_log_prob(sdk::kBaseA, sdk::kBaseA, sdk::kBaseA), WithinAbs(std::log(0.2), 1e-12));
  CHECK_THAT(counts.context_log_prob(sdk::kBaseN, sdk::kBaseA, sdk::kBaseC), WithinAbs(std::log(0.4), 1e-12));
  const auto back = dna::ContextCounts::from_json(counts.to_json(), "test");
  CHECK_THAT(back.context_log_prob(sdk::kBaseA, sdk::kBaseC, sdk::kBaseA), WithinAbs(std::log(0.4), 1e-12));
  CHECK_THROWS_WITH(dna::ContextCounts::from_json({{"unigram", {1, 2}}}, "'m.pt'"),
                    Contains("'m.pt': the base counts are malformed"));
}

TEST_CASE("Spearman's correlation with ties, by hand", "[dna][stats]") {
  // y ranks 1 2 3.5 5 3.5 against 1..5: sxy = 8, sxx = 10, syy = 9.5 -> 8 / sqrt(95).
  CHECK_THAT(trellis::core::stats::spearman({1, 2, 3, 4, 5}, {5, 6, 7, 8, 7}), WithinAbs(8.0 / std::sqrt(95.0), 1e-12));
  CHECK_THAT(trellis::core::stats::spearman({3, 1, 2}, {30, 10, 20}), WithinAbs(1.0, 1e-12));
  CHECK(std::isnan(trellis::core::stats::spearman({1, 1, 1}, {1, 2, 3})));
}
