// encoder/torchscript_text and encoder/torchscript_dna (plugins/encoders/ts_*):
// tiny TorchScript models built here with torch::jit::Module::define, whose
// outputs are simple functions of the token ids, so every expected row is
// worked out by hand: an "echo" model returns the ids themselves (checking
// tokenisation exactly), an "embedding" model returns W[id] with
// W[v] = (v, v^2, 1) (checking pooling). Real data: the Norman 2019 gene
// universe with its annotation (descriptions, EPD promoters). Every failure
// message named by the encoders' contract.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/script.h>
#include <torch/serialize.h>

#include "catch.hpp"
#include <nlohmann/json.hpp>

#include "plugin_support.hpp"
#include "support.hpp"
#include "trellis/plugin/plugin_host.hpp"
#include "trellis/sdk/encoder.hpp"
#include "trellis/sdk/log.hpp"

using namespace trellis;
using Catch::Contains;
using nlohmann::json;

namespace {

const core::plugin::PluginHost& host() { return test::build_tree_plugins(); }

std::shared_ptr<sdk::FeatureEncoder> make(const std::string& name, const json& options) {
  return host().create<sdk::FeatureEncoder>(name, options, "[model.encoders.e]");
}

using test::LogCapture;

// forward bodies of the tiny models (TorchScript source).
constexpr const char* kEcho = "def forward(self, input_ids, attention_mask):\n    return input_ids.float()\n";
constexpr const char* kEchoMask = "def forward(self, input_ids, attention_mask):\n    return attention_mask.float()\n";
constexpr const char* kEmbed =
    "def forward(self, input_ids, attention_mask):\n    return torch.embedding(self.weight, input_ids)\n";
constexpr const char* kSummed =
    "def forward(self, input_ids, attention_mask):\n"
    "    return (torch.embedding(self.weight, input_ids) * attention_mask.unsqueeze(-1).float()).sum(1)\n";
constexpr const char* kTuple =
    "def forward(self, input_ids, attention_mask):\n"
    "    x = torch.embedding(self.weight, input_ids)\n"
    "    return (x, x.sum(1))\n";
constexpr const char* kDict =
    "def forward(self, input_ids, attention_mask):\n"
    "    return {'last_hidden_state': torch.embedding(self.weight, input_ids)}\n";
constexpr const char* kDictLogits =
    "def forward(self, input_ids, attention_mask):\n"
    "    return {'logits': torch.embedding(self.weight, input_ids)}\n";
constexpr const char* kIdsOnly = "def forward(self, input_ids):\n    return torch.embedding(self.weight, input_ids)\n";
constexpr const char* kTokenTypes =
    "def forward(self, input_ids, attention_mask, token_type_ids):\n"
    "    return torch.embedding(self.weight, input_ids) + token_type_ids.unsqueeze(-1).float()\n";
constexpr const char* kRank4 =
    "def forward(self, input_ids, attention_mask):\n"
    "    return torch.embedding(self.weight, input_ids).unsqueeze(0)\n";
constexpr const char* kFirstRowOnly =
    "def forward(self, input_ids, attention_mask):\n"
    "    return torch.embedding(self.weight, input_ids)[0:1]\n";
constexpr const char* kIntegers = "def forward(self, input_ids, attention_mask):\n    return input_ids\n";

/// W[v] = (v, v^2, 1), v < rows: integer-valued, so sums over a few
/// hundred tokens are exact in float32 and batching cannot change them.
at::Tensor square_table(std::int64_t rows) {
  const at::Tensor v = at::arange(rows, at::kFloat);
  return at::stack({v, v * v, at::ones({rows}, at::kFloat)}, 1);
}

/// A TorchScript module with `forward` and a `weight` buffer, saved to `dir/name`.
std::string save_model(const test::TempDir& dir, const std::string& name, const char* forward,
                       const at::Tensor& weight = square_table(20)) {
  torch::jit::Module m("TinyEncoder");
  m.register_buffer("weight", weight);
  m.define(forward);
  const auto path = dir.path() / name;
  m.save(path.string());
  return path.string();
}

// Ids: [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 un=4 ##aff=5 ##able=6 the=7 gene=8 ,=9 .=10 kinase=11 cafe=12
// ##s=13 a=14 protein=15 -=16 ##ase=17 kin=18 ##a=19
constexpr const char* kVocab =
    "[PAD]\n[UNK]\n[CLS]\n[SEP]\nun\n##aff\n##able\nthe\ngene\n,\n.\nkinase\ncafe\n##s\na\nprotein\n-\n##ase\nkin\n##a\n";

sdk::Gene text_gene(const std::string& symbol, const std::string& description, const std::string& name = "") {
  sdk::Gene g;
  g.symbol = symbol;
  g.description = description;
  g.short_name = name;
  return g;
}

sdk::Gene dna_gene(const std::string& symbol, const std::string& sequence, const std::string& ensembl = "") {
  sdk::Gene g;
  g.symbol = symbol;
  g.sequence = sequence;
  g.ensembl_id = ensembl;
  return g;
}

/// Row `r` of an echo model's output as ids (the last column, the missing flag, left out).
std::vector<std::int64_t> ids_of(const at::Tensor& out, std::int64_t r) {
  std::vector<std::int64_t> ids;
  for (std::int64_t c = 0; c + 1 < out.size(1); ++c) ids.push_back(static_cast<std::int64_t>(out[r][c].item<float>()));
  while (!ids.empty() && ids.back() == 0) ids.pop_back();  // [PAD] = 0 in these vocabularies
  return ids;
}

std::vector<float> row_of(const at::Tensor& out, std::int64_t r) {
  const at::Tensor row = out[r].contiguous();
  return std::vector<float>(row.data_ptr<float>(), row.data_ptr<float>() + row.numel());
}

using Ids = std::vector<std::int64_t>;
using Row = std::vector<float>;

}  // namespace

TEST_CASE("torchscript_text: BERT WordPiece tokenisation by hand", "[grape-torchscript]") {
  test::TempDir dir;
  const auto vocab = dir.write("vocab.txt", kVocab).string();
  const auto echo = save_model(dir, "echo.pt", kEcho);
  sdk::GeneTable genes;
  genes.add(text_gene("G0", "unaffable"));
  genes.add(text_gene("G1", "The gene, kinases."));
  genes.add(text_gene("G2", "UNAFFABLE  Caf\xc3\xa9\tkinase-protein"));  // "Café": lower-cased, accent stripped
  genes.add(text_gene("G3", "unafx xyz ki\x01nase"));                   // control character dropped
  genes.add(text_gene("G4", "cafe\xcc\x81 kinase"));                     // e + combining acute accent
  genes.add(text_gene("G5", std::string(100, 'a') + " " + std::string(101, 'a')));
  genes.add(text_gene("G6", "", "protein kinase"));  // no description: the short name
  genes.add(text_gene("G7", "gene", "kinase"));      // the description wins
  genes.add(text_gene("G8", ""));                    // neither: zero row + flag
  sdk::BuildContext context;
  context.genes = &genes;

  const at::Tensor out = make("torchscript_text", {{"model", echo}, {"vocab", vocab}})->encode(context);
  // Longest row: G5 = [CLS] + 100 tokens + [UNK] + [SEP] = 103 ids, plus the flag column.
  REQUIRE(out.sizes() == at::IntArrayRef({9, 104}));
  // Greedy longest match: "unaffable" -> un ##aff ##able (the classic BERT example).
  CHECK(ids_of(out, 0) == Ids{2, 4, 5, 6, 3});
  // Lower case, punctuation split off, "kinases" -> kinase ##s (not kin + ...).
  CHECK(ids_of(out, 1) == Ids{2, 7, 8, 9, 11, 13, 10, 3});
  CHECK(ids_of(out, 2) == Ids{2, 4, 5, 6, 12, 11, 16, 15, 3});
  // "unafx": un, then no "##a..." piece matches "afx" -> the whole word is [UNK]; "xyz" -> [UNK].
  CHECK(ids_of(out, 3) == Ids{2, 1, 1, 11, 3});
  CHECK(ids_of(out, 4) == Ids{2, 12, 11, 3});
  // 100 characters: a ##a x 99; 101 characters: [UNK] (BERT's max_input_chars_per_word).
  Ids g5{2, 14};
  g5.insert(g5.end(), 99, 19);
  g5.push_back(1);
  g5.push_back(3);
  CHECK(ids_of(out, 5) == g5);
  CHECK(ids_of(out, 6) == Ids{2, 15, 11, 3});
  CHECK(ids_of(out, 7) == Ids{2, 8, 3});
  CHECK(at::equal(out[8], at::cat({at::zeros({103}), at::ones({1})})));
  // Padding with [PAD] = 0 after [SEP]; missing flag 1 only for G8.
  CHECK(out[0][5].item<float>() == 0.0f);
  CHECK(at::equal(out.select(1, 103), at::tensor({0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 1.f})));

  SECTION("cased: no lower-casing, no accent stripping") {
    sdk::GeneTable cased;
    cased.add(text_gene("A", "The Caf\xc3\xa9 unaffable Kinase kinase"));
    context.genes = &cased;
    const at::Tensor c =
        make("torchscript_text", {{"model", echo}, {"vocab", vocab}, {"lower_case", false}})->encode(context);
    CHECK(ids_of(c, 0) == Ids{2, 1, 1, 4, 5, 6, 1, 11, 3});
  }
  SECTION("truncation to max_length, [CLS] and [SEP] included") {
    sdk::GeneTable one;
    one.add(text_gene("A", "unaffable kinase"));
    context.genes = &one;
    CHECK(ids_of(make("torchscript_text", {{"model", echo}, {"vocab", vocab}, {"max_length", 4}})->encode(context), 0) ==
          Ids{2, 4, 5, 3});
    CHECK(ids_of(make("torchscript_text", {{"model", echo}, {"vocab", vocab}, {"max_length", 3}})->encode(context), 0) ==
          Ids{2, 4, 3});
    CHECK(ids_of(make("torchscript_text", {{"model", echo}, {"vocab", vocab}, {"max_length", 6}})->encode(context), 0) ==
          Ids{2, 4, 5, 6, 11, 3});
  }
  SECTION("attention mask: 1 on tokens, 0 on padding") {
    const auto mask_model = save_model(dir, "mask.pt", kEchoMask);
    const at::Tensor m = make("torchscript_text", {{"model", mask_model}, {"vocab", vocab}})->encode(context);
    CHECK(m[0].slice(0, 0, 5).sum().item<float>() == 5.0f);
    CHECK(m[0].slice(0, 5, 103).sum().item<float>() == 0.0f);
    CHECK(m[5].slice(0, 0, 103).sum().item<float>() == 103.0f);
  }
}

TEST_CASE("torchscript_text: CLS and mean pooling; HuggingFace-style outputs", "[grape-torchscript]") {
  test::TempDir dir;
  const auto vocab = dir.write("vocab.txt", kVocab).string();
  sdk::GeneTable genes;
  genes.add(text_gene("A", "unaffable"));  // [CLS] un ##aff ##able [SEP] = ids 2 4 5 6 3
  genes.add(text_gene("B", "the gene"));   // [CLS] the gene [SEP]          = ids 2 7 8 3
  genes.add(text_gene("C", ""));
  sdk::BuildContext context;
  context.genes = &genes;
  const auto encode = [&](const char* forward, const std::string& pooling, std::int64_t batch = 16) {
    const auto path = save_model(dir, "m.pt", forward);
    return make("torchscript_text", {{"model", path}, {"vocab", vocab}, {"pooling", pooling}, {"batch_size", batch}})
        ->encode(context);
  };
  // With W[v] = (v, v^2, 1):
  //   cls : W[2] = (2, 4, 1) for both genes.
  //   mean: A (2+4+5+6+3)/5 = 4, (4+16+25+36+9)/5 = 18;  B (2+7+8+3)/4 = 5, (4+49+64+9)/4 = 31.5.
  //   padding (W[0] = (0, 0, 1)) must not count: B is padded to A's length in one batch.
  const Row flag0_cls{2, 4, 1, 0}, a_mean{4, 18, 1, 0}, b_mean{5, 31.5f, 1, 0}, none{0, 0, 0, 1};
  const at::Tensor cls = encode(kEmbed, "cls");
  REQUIRE(cls.sizes() == at::IntArrayRef({3, 4}));
  CHECK(cls.scalar_type() == at::kFloat);
  CHECK(row_of(cls, 0) == flag0_cls);
  CHECK(row_of(cls, 1) == flag0_cls);
  CHECK(row_of(cls, 2) == none);
  const at::Tensor mean = encode(kEmbed, "mean");
  CHECK(row_of(mean, 0) == a_mean);
  CHECK(row_of(mean, 1) == b_mean);
  CHECK(row_of(mean, 2) == none);
  CHECK(at::equal(mean, encode(kEmbed, "mean", 1)));
  // The first element of a tuple, "last_hidden_state" of a dict, an ids-only forward
  // (HyenaDNA-style) and a forward that also takes token_type_ids (zeros) give the same.
  CHECK(at::equal(encode(kTuple, "mean"), mean));
  CHECK(at::equal(encode(kDict, "mean"), mean));
  CHECK(at::equal(encode(kIdsOnly, "mean"), mean));
  CHECK(at::equal(encode(kTokenTypes, "mean"), mean));
  // [B, H] is used as is, whatever the pooling: sums A (20, 90, 5), B (20, 126, 4).
  for (const char* pooling : {"cls", "mean"}) {
    const at::Tensor summed = encode(kSummed, pooling);
    CHECK(row_of(summed, 0) == Row{20, 90, 5, 0});
    CHECK(row_of(summed, 1) == Row{20, 126, 4, 0});
    CHECK(row_of(summed, 2) == none);
  }
}

TEST_CASE("torchscript_text: every failure names the file and says how to fix it", "[grape-torchscript]") {
  test::TempDir dir;
  const auto vocab = dir.write("vocab.txt", kVocab).string();
  const auto embed = save_model(dir, "embed.pt", kEmbed);
  sdk::GeneTable genes;
  genes.add(text_gene("A", "unaffable"));
  genes.add(text_gene("B", "the gene"));
  sdk::BuildContext context;
  context.genes = &genes;

  SECTION("model file missing") {
    const auto missing = (dir.path() / "nope.pt").string();
    CHECK_THROWS_WITH(make("torchscript_text", {{"model", missing}, {"vocab", vocab}}),
                      Contains("model file '" + missing + "' does not exist") && Contains("torch.jit.trace"));
  }
  SECTION("a text file is not a TorchScript module") {
    const auto text = dir.write("model.pt", "not a model\n").string();
    CHECK_THROWS_WITH(make("torchscript_text", {{"model", text}, {"vocab", vocab}}),
                      Contains("'" + text + "' is not a TorchScript module") && Contains("torch.jit.trace") &&
                          Contains("torch.jit.script") && Contains(".save("));
  }
  SECTION("a torch::save'd tensor is not a model") {
    const auto tensor = (dir.path() / "tensor.pt").string();
    torch::save(at::ones({3, 3}), tensor);
    CHECK_THROWS_WITH(make("torchscript_text", {{"model", tensor}, {"vocab", vocab}}),
                      Contains(tensor) && Contains("without a forward method") && Contains("torch.jit.trace"));
  }
  SECTION("output of the wrong rank") {
    const auto path = save_model(dir, "rank4.pt", kRank4);
    CHECK_THROWS_WITH(make("torchscript_text", {{"model", path}, {"vocab", vocab}})->encode(context),
                      Contains("returned a tensor [1, 2, 5, 3]") && Contains("expected a tensor [B, L, H] = [2, 5, H]") &&
                          Contains("[B, H] = [2, H]"));
  }
  SECTION("output of the wrong batch size") {
    const auto path = save_model(dir, "first.pt", kFirstRowOnly);
    CHECK_THROWS_WITH(make("torchscript_text", {{"model", path}, {"vocab", vocab}})->encode(context),
                      Contains("returned a tensor [1, 5, 3]") && Contains("[B, L, H] = [2, 5, H]"));
  }
  SECTION("a dict without last_hidden_state; integer output") {
    const auto dict = save_model(dir, "dict.pt", kDictLogits);
    CHECK_THROWS_WITH(make("torchscript_text", {{"model", dict}, {"vocab", vocab}})->encode(context),
                      Contains("returned a dict with keys {logits}") && Contains("last_hidden_state"));
    const auto ints = save_model(dir, "ints.pt", kIntegers);
    CHECK_THROWS_WITH(make("torchscript_text", {{"model", ints}, {"vocab", vocab}})->encode(context),
                      Contains("returned a Long tensor [2, 5]") && Contains("of floats"));
  }
  SECTION("the model fails on an id it does not know") {
    const auto small = save_model(dir, "small.pt", kEmbed, square_table(5));  // ids 5, 6, 7, 8 out of range
    CHECK_THROWS_WITH(make("torchscript_text", {{"model", small}, {"vocab", vocab}})->encode(context),
                      Contains("the model '" + small + "' failed on a batch of input_ids [2, 5]: ") &&
                          Contains("index out of range") && Contains("the vocabulary is the one the model was trained with"));
  }
  SECTION("vocabulary without a special token") {
    for (const std::string token : {"[CLS]", "[UNK]", "[SEP]", "[PAD]"}) {
      std::string text = kVocab;
      text.replace(text.find(token), token.size(), "x" + token.substr(1));
      const auto path = dir.write("bad_vocab.txt", text).string();
      CHECK_THROWS_WITH(make("torchscript_text", {{"model", embed}, {"vocab", path}}),
                        Contains("vocabulary '" + path + "' has no " + token + " token"));
    }
  }
  SECTION("vocabulary file missing or empty; bad options") {
    const auto missing = (dir.path() / "vocab_missing.txt").string();
    CHECK_THROWS_WITH(make("torchscript_text", {{"model", embed}, {"vocab", missing}}),
                      Contains("option 'vocab'") && Contains("'" + missing + "' does not exist"));
    const auto empty = dir.write("empty.txt", "").string();
    CHECK_THROWS_WITH(make("torchscript_text", {{"model", embed}, {"vocab", empty}}), Contains("is empty"));
    CHECK_THROWS_WITH(make("torchscript_text", {{"model", embed}, {"vocab", vocab}, {"pooling", "max"}}),
                      Contains("option 'pooling' must be one of \"cls\", \"mean\", got \"max\""));
    CHECK_THROWS_WITH(make("torchscript_text", {{"model", embed}, {"vocab", vocab}, {"max_length", 2}}),
                      Contains("max_length") && Contains("at least 3"));
    CHECK_THROWS_WITH(make("torchscript_text", {{"model", embed}, {"vocab", vocab}, {"batch_size", 0}}),
                      Contains("batch_size"));
    CHECK_THROWS_WITH(make("torchscript_text", {{"vocab", vocab}}), Contains("model"));
  }
  SECTION("no gene has any text") {
    sdk::GeneTable blank;
    blank.add(text_gene("A", ""));
    context.genes = &blank;
    CHECK_THROWS_WITH(make("torchscript_text", {{"model", embed}, {"vocab", vocab}})->encode(context),
                      Contains("none of the 1 genes has a description or name"));
  }
}

TEST_CASE("torchscript_dna: base and k-mer tokens, pooling, sequence files", "[grape-torchscript]") {
  test::TempDir dir;
  const auto echo = save_model(dir, "echo.pt", kEcho);
  sdk::BuildContext context;

  SECTION("char tokens with the built-in ids [PAD]=0 [CLS]=1 [SEP]=2 A=3 C=4 G=5 T=6 N=7") {
    sdk::GeneTable genes;
    genes.add(dna_gene("A", "acgTN"));
    genes.add(dna_gene("B", ""));
    genes.add(dna_gene("C", "GGG"));
    context.genes = &genes;
    const at::Tensor out = make("torchscript_dna", {{"model", echo}})->encode(context);
    REQUIRE(out.sizes() == at::IntArrayRef({3, 8}));
    CHECK(ids_of(out, 0) == Ids{1, 3, 4, 5, 6, 7, 2});
    CHECK(row_of(out, 1) == Row{0, 0, 0, 0, 0, 0, 0, 1});
    CHECK(ids_of(out, 2) == Ids{1, 5, 5, 5, 2});
    CHECK(ids_of(make("torchscript_dna", {{"model", echo}, {"add_special_tokens", false}})->encode(context), 0) ==
          Ids{3, 4, 5, 6, 7});
    CHECK(ids_of(make("torchscript_dna", {{"model", echo}, {"max_length", 4}})->encode(context), 0) == Ids{1, 3, 4, 2});
  }
  SECTION("mean (default) and cls pooling") {
    sdk::GeneTable genes;
    genes.add(dna_gene("A", "ACGT"));  // ids 1 3 4 5 6 2
    genes.add(dna_gene("B", "TT"));    // ids 1 6 6 2
    context.genes = &genes;
    const auto embed = save_model(dir, "embed.pt", kEmbed, square_table(8));
    // mean: A (1+3+4+5+6+2)/6 = 3.5, (1+9+16+25+36+4)/6 = 91/6;  B (1+6+6+2)/4 = 3.75, (1+36+36+4)/4 = 19.25
    const at::Tensor mean = make("torchscript_dna", {{"model", embed}})->encode(context);
    CHECK(row_of(mean, 0) == Row{3.5f, 91.0f / 6.0f, 1, 0});
    CHECK(row_of(mean, 1) == Row{3.75f, 19.25f, 1, 0});
    CHECK(at::equal(mean, make("torchscript_dna", {{"model", embed}, {"batch_size", 1}})->encode(context)));
    const at::Tensor cls = make("torchscript_dna", {{"model", embed}, {"pooling", "cls"}})->encode(context);
    CHECK(row_of(cls, 0) == Row{1, 1, 1, 0});
  }
  SECTION("k-mer tokens from a vocabulary file") {
    // Ids: [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 A=4 C=5 G=6 T=7 N=8 AAA=9 CCC=10 ACG=11
    const auto vocab = dir.write("dna_vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\nA\nC\nG\nT\nN\nAAA\nCCC\nACG\n").string();
    sdk::GeneTable genes;
    genes.add(dna_gene("A", "AAACCCACGTTNA"));  // AAA CCC ACG | TTN not a token: T T N | A (short)
    context.genes = &genes;
    CHECK(ids_of(make("torchscript_dna", {{"model", echo}, {"tokens", "kmer"}, {"k", 3}, {"vocab", vocab}})
                     ->encode(context),
                 0) == Ids{2, 9, 10, 11, 7, 7, 8, 4, 3});
    // Without single-base tokens the bases of a missing k-mer are [UNK].
    const auto kmers_only = dir.write("kmers.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\nAAA\nCCC\nACG\n").string();
    CHECK(ids_of(make("torchscript_dna", {{"model", echo}, {"tokens", "kmer"}, {"k", 3}, {"vocab", kmers_only}})
                     ->encode(context),
                 0) == Ids{2, 4, 5, 6, 1, 1, 1, 1, 3});
    // Char tokens from the same vocabulary file use its ids.
    CHECK(ids_of(make("torchscript_dna", {{"model", echo}, {"vocab", vocab}})->encode(context), 0) ==
          Ids{2, 4, 4, 4, 5, 5, 5, 4, 5, 6, 7, 7, 8, 4, 3});
  }
  SECTION("sequences_file: FASTA and TSV keyed by symbol or Ensembl id") {
    sdk::GeneTable genes;
    genes.add(dna_gene("KLF1", "TTTT", "ENSG00000105610"));
    genes.add(dna_gene("GATA1", "TTTT", "ENSG00000102145"));
    genes.add(dna_gene("TP53", "TTTT"));  // not in the file: missing, even with a Gene::sequence
    context.genes = &genes;
    const auto fasta = dir.write("s.fa", ">KLF1 promoter\nAC\ngt\n>ENSG00000102145.15 GATA1\nNNA\n").string();
    const at::Tensor f = make("torchscript_dna", {{"model", echo}, {"sequences_file", fasta}})->encode(context);
    CHECK(ids_of(f, 0) == Ids{1, 3, 4, 5, 6, 2});
    CHECK(ids_of(f, 1) == Ids{1, 7, 7, 3, 2});
    CHECK(row_of(f, 2) == Row{0, 0, 0, 0, 0, 0, 1});
    const auto tsv = dir.write("s.tsv", "gene\tsequence\nGATA1\tcc\nENSG00000105610\tG\n").string();
    const at::Tensor t = make("torchscript_dna", {{"model", echo}, {"sequences_file", tsv}})->encode(context);
    CHECK(ids_of(t, 0) == Ids{1, 5, 2});
    CHECK(ids_of(t, 1) == Ids{1, 4, 4, 2});
    CHECK(t[2][4].item<float>() == 1.0f);
  }
}

TEST_CASE("torchscript_dna: failures name the gene, file or token and the fix", "[grape-torchscript]") {
  test::TempDir dir;
  const auto echo = save_model(dir, "echo.pt", kEcho);
  sdk::GeneTable genes;
  genes.add(dna_gene("KLF1", "ACGTN"));
  genes.add(dna_gene("GATA1", "ACGRT"));
  sdk::BuildContext context;
  context.genes = &genes;
  CHECK_THROWS_WITH(make("torchscript_dna", {{"model", echo}})->encode(context),
                    Contains("the sequence of gene 'GATA1' (from Gene::sequence") && Contains("'R' at position 4") &&
                        Contains("replace other IUPAC codes with N"));
  const auto bad_file = dir.write("bad.tsv", "KLF1\tACGT\nGATA1\tAC GT\n").string();
  CHECK_THROWS_WITH(make("torchscript_dna", {{"model", echo}, {"sequences_file", bad_file}})->encode(context),
                    Contains("gene 'GATA1' (file '" + bad_file + "', line 2) has ' ' at position 3"));
  const auto no_tab = dir.write("no_tab.txt", "KLF1 ACGT\n").string();
  CHECK_THROWS_WITH(make("torchscript_dna", {{"model", echo}, {"sequences_file", no_tab}})->encode(context),
                    Contains(no_tab) && Contains("line 1"));
  const auto missing = (dir.path() / "none.fa").string();
  CHECK_THROWS_WITH(make("torchscript_dna", {{"model", echo}, {"sequences_file", missing}})->encode(context),
                    Contains("option 'sequences_file'") && Contains("'" + missing + "' does not exist"));
  CHECK_THROWS_WITH(make("torchscript_dna", {{"model", echo}, {"tokens", "kmer"}}),
                    Contains("vocab") && Contains("required with tokens = \"kmer\""));
  CHECK_THROWS_WITH(make("torchscript_dna", {{"model", echo}, {"tokens", "bpe"}}), Contains("\"char\""));
  const auto no_pad = dir.write("no_pad.txt", "[CLS]\n[SEP]\nA\nC\nG\nT\nN\n").string();
  CHECK_THROWS_WITH(make("torchscript_dna", {{"model", echo}, {"vocab", no_pad}}),
                    Contains("vocabulary '" + no_pad + "' has no [PAD] token"));
  const auto no_t = dir.write("no_t.txt", "[PAD]\n[CLS]\n[SEP]\nA\nC\nG\nN\n").string();
  CHECK_THROWS_WITH(make("torchscript_dna", {{"model", echo}, {"vocab", no_t}}),
                    Contains("vocabulary '" + no_t + "' has no T token"));
  CHECK_THROWS_WITH(make("torchscript_dna", {{"model", (dir.path() / "x.pt").string()}}), Contains("does not exist"));
}

// Real data: the Norman 2019 universe (500 measured + 30 perturbed-only genes),
// annotated from the shared tables. Independent counts from /usr/bin/python3
// (anndata, pandas), following the annotation's rules (symbol -> orghs_genes row;
// description = RefSeq summary of its entrez id; promoter = the lowest-numbered
// EPD promoter of the first of its '|'-separated Ensembl ids that has one):
//   universe 530; with a description or name 529 (one symbol not in orghs_genes by
//   exact match); with a promoter 409 (77.2%).
//   KLF1 promoter: caatcagctaaggacagagaggagccctcgaaggggctatcacagcctcAGAGTTCACGA
//   -> built-in ids [CLS] + 60 bases + [SEP], 62 ids: sum 257, sum of squares 1145.
namespace {

/// A build context over norman19_annotated(data), made once.
const sdk::BuildContext& norman(const std::filesystem::path& data) {
  static const std::unique_ptr<sdk::BuildContext> n = [&] {
    auto out = std::make_unique<sdk::BuildContext>();
    out->genes = test::norman19_annotated(data).data->screen.genes;
    return out;
  }();
  return *n;
}

/// Every lower-case letter and digit as a word start and a "##" continuation,
/// plus ASCII punctuation: any ASCII description tokenises, mostly into
/// single characters (long sequences, many distinct lengths).
std::string char_vocab() {
  std::string v = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n";
  for (char c : std::string("abcdefghijklmnopqrstuvwxyz0123456789")) v += std::string(1, c) + "\n##" + c + "\n";
  for (char c : std::string("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")) v += std::string(1, c) + "\n";
  return v;
}

}  // namespace

TEST_CASE("torchscript encoders on the Norman 2019 universe: coverage, batching, KLF1 by hand",
          "[grape-torchscript]") {
  TRELLIS_REQUIRE_DATA(data);
  const sdk::BuildContext& n = norman(data);
  const sdk::GeneTable& genes = *n.genes;
  REQUIRE(genes.size() == 530);
  test::TempDir dir;

  SECTION("DNA: promoters (Gene::sequence), char tokens, mean pooling") {
    const auto embed = save_model(dir, "embed.pt", kEmbed, square_table(8));
    LogCapture log;
    const at::Tensor out = make("torchscript_dna", {{"model", embed}})->encode(n);
    REQUIRE(out.sizes() == at::IntArrayRef({530, 4}));
    CHECK(out.select(1, 3).sum().item<float>() == 530 - 409);
    CHECK_THAT(log.all(), Contains("DNA sequence for 409 of 530 genes (77.2%)"));
    const Row klf1 = row_of(out, genes.index_of("KLF1"));
    CHECK(klf1[0] == Approx(257.0 / 62).epsilon(1e-6));
    CHECK(klf1[1] == Approx(1145.0 / 62).epsilon(1e-6));
    CHECK(klf1[2] == 1.0f);
    CHECK(klf1[3] == 0.0f);
    CHECK(at::equal(out, make("torchscript_dna", {{"model", embed}, {"batch_size", 1}})->encode(n)));
  }
  SECTION("DNA: a gzip-compressed sequences_file (the EPD table, keyed by promoter id)") {
    // Keys of sequences/epd_promoters_60bp.tsv.gz are promoter ids, so genes named after them match;
    // first line NOC2L_1 gcggaagtgcgcagccgcgcggcattctggggccggaagtggggtgcacGCTTCGGGTTG (60 bases, no header).
    sdk::GeneTable promoters;
    promoters.add(dna_gene("NOC2L_1", ""));
    promoters.add(dna_gene("NOT_A_PROMOTER", "ACGT"));
    sdk::BuildContext context;
    context.genes = &promoters;
    const auto echo = save_model(dir, "echo.pt", kEcho);
    const at::Tensor out =
        make("torchscript_dna", {{"model", echo}, {"sequences_file", (data / "sequences/epd_promoters_60bp.tsv.gz").string()}})
            ->encode(context);
    const std::string noc2l = "GCGGAAGTGCGCAGCCGCGCGGCATTCTGGGGCCGGAAGTGGGGTGCACGCTTCGGGTTG";
    Ids expected{1};
    for (char c : noc2l) expected.push_back(std::string("ACGT").find(c) + 3);
    expected.push_back(2);
    CHECK(ids_of(out, 0) == expected);
    CHECK(out[1][62].item<float>() == 1.0f);
  }
  SECTION("text: descriptions, batching identical to batch_size 1, deterministic") {
    const std::string v = char_vocab();
    const auto vocab = dir.write("vocab.txt", v).string();
    const std::int64_t rows = static_cast<std::int64_t>(std::count(v.begin(), v.end(), '\n'));
    const auto embed = save_model(dir, "embed.pt", kEmbed, square_table(rows));
    for (const char* pooling : {"mean", "cls"}) {
      LogCapture log;
      const json options{{"model", embed}, {"vocab", vocab}, {"pooling", pooling}};
      const at::Tensor batched = make("torchscript_text", options)->encode(n);
      REQUIRE(batched.sizes() == at::IntArrayRef({530, 4}));
      CHECK(batched.select(1, 3).sum().item<float>() == 1.0f);
      CHECK_THAT(log.all(), Contains("description or name for 529 of 530 genes"));
      json one = options;
      one["batch_size"] = 1;
      CHECK(at::equal(batched, make("torchscript_text", one)->encode(n)));
      CHECK(at::equal(batched, make("torchscript_text", options)->encode(n)));
    }
  }
}

// Timings with a tiny BERT-like model (64-d embedding, one 64x64 layer, tanh)
// on a few thousand genes; printed, not asserted beyond a generous bound.
TEST_CASE("torchscript encoders: a few thousand genes in seconds", "[grape-torchscript]") {
  TRELLIS_REQUIRE_DATA(data);
  const sdk::BuildContext& n = norman(data);
  test::TempDir dir;
  const std::string v = char_vocab();
  const auto vocab = dir.write("vocab.txt", v).string();
  const std::int64_t rows = static_cast<std::int64_t>(std::count(v.begin(), v.end(), '\n'));
  const auto make_model = [&](const std::string& name, std::int64_t vocab_rows) {
    torch::jit::Module m("TinyBert");
    at::Generator g = at::make_generator<at::CPUGeneratorImpl>(3);
    m.register_buffer("weight", at::randn({vocab_rows, 64}, g));
    m.register_buffer("proj", at::randn({64, 64}, g) / 8);
    m.define(
        "def forward(self, input_ids, attention_mask):\n"
        "    return (torch.tanh(torch.matmul(torch.embedding(self.weight, input_ids), self.proj)),)\n");
    const auto path = dir.path() / name;
    m.save(path.string());
    return path.string();
  };
  const std::int64_t count = 5000;
  sdk::GeneTable genes;
  const auto& real = n.genes->genes();
  for (std::int64_t i = 0; i < count; ++i) {
    const sdk::Gene& from = real[static_cast<std::size_t>(i) % real.size()];
    sdk::Gene g = from;
    g.symbol = "G" + std::to_string(i);
    g.measured = false;
    genes.add(g);
  }
  sdk::BuildContext context;
  context.genes = &genes;
  using clock = std::chrono::steady_clock;
  {
    const auto model = make_model("text.pt", rows);
    const auto start = clock::now();
    const at::Tensor out = make("torchscript_text", {{"model", model}, {"vocab", vocab}})->encode(context);
    const double seconds = std::chrono::duration<double>(clock::now() - start).count();
    std::cout << "torchscript_text: " << count << " genes (descriptions, up to 512 tokens) in " << seconds << " s\n";
    CHECK(out.sizes() == at::IntArrayRef({count, 65}));
    CHECK(seconds < 120);
  }
  {
    const auto model = make_model("dna.pt", 8);
    const auto start = clock::now();
    const at::Tensor out = make("torchscript_dna", {{"model", model}})->encode(context);
    const double seconds = std::chrono::duration<double>(clock::now() - start).count();
    std::cout << "torchscript_dna: " << count << " genes (60 bp promoters) in " << seconds << " s\n";
    CHECK(out.sizes() == at::IntArrayRef({count, 65}));
    CHECK(seconds < 60);
  }
}
