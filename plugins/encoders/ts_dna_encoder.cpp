// encoder/torchscript_dna: each gene's DNA (by default its promoter from the
// annotation, Gene::sequence) through a DNA language model the user exported
// to TorchScript, pooled to one vector per gene (GRAPE's reference:
// HyenaDNA, 256-d).
//
// The model sees the contract of ts_module.hpp: forward(input_ids [B, L]
// int64, attention_mask [B, L] int64), rows right-padded with [PAD]. A DNA
// language model trained within Trellis later is saved as TorchScript with
// that signature and plugs in here unchanged.
//
// Not cacheable: the output depends on the model (and vocabulary and
// sequence) files' contents, which an option-keyed cache would not see change.
#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>

#include <ATen/core/Tensor.h>

#include "trellis/sdk/missing_rows.hpp"
#include "trellis/sdk/encoder.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/plugin.hpp"
#include "trellis/sdk/dna_sequence.hpp"
#include "ts_dna_tokenizer.hpp"
#include "ts_encoders.hpp"
#include "ts_module.hpp"

namespace trellis::encoders {

namespace {

constexpr const char* kWho = "encoder/torchscript_dna";

DnaTokenizer::Mode parse_mode(const sdk::Options& options) {
  // The schema's choices() admit only "char" and "kmer".
  return options.get_string("tokens") == "char" ? DnaTokenizer::Mode::chars : DnaTokenizer::Mode::kmer;
}

Vocab vocab_of(const sdk::Options& options) {
  const std::string path = options.get_path("vocab");
  if (!path.empty()) return Vocab::read(path, kWho);
  if (parse_mode(options) == DnaTokenizer::Mode::kmer)
    throw options.invalid("vocab", "is required with tokens = \"kmer\": set it to the model's vocab.txt");
  return DnaTokenizer::default_vocab();
}

class TorchScriptDna : public sdk::FeatureEncoder {
 public:
  TorchScriptDna(const sdk::Options& options)
      : model_(options.get_path("model"), kWho),
        tokenizer_(vocab_of(options), parse_mode(options), options.get_int("k"), options.get_bool("add_special_tokens"),
                   options.get_int("max_length"), kWho),
        pooling_(parse_pooling(options.get_string("pooling"), kWho)),
        batch_size_(options.get_int("batch_size")),
        sequences_file_(options.get_path("sequences_file")) {}

  at::Tensor encode(const sdk::BuildContext& context) override {
    const sdk::GeneTable& genes = context.gene_table();
    std::vector<std::vector<std::int64_t>> ids(static_cast<std::size_t>(genes.size()));
    std::vector<bool> present(ids.size(), false);
    // A sequences file replaces the annotation's promoters for every gene;
    // its records are checked as they are read.
    sdk::GeneSequences from_file;
    if (!sequences_file_.empty()) from_file = sdk::read_gene_sequences(sequences_file_, genes);
    std::string upper;
    for (std::int64_t g = 0; g < genes.size(); ++g) {
      const sdk::Gene& gene = genes.at(g);
      const std::string& sequence =
          sequences_file_.empty() ? gene.sequence : from_file.sequence[static_cast<std::size_t>(g)];
      if (sequence.empty()) continue;
      if (sequences_file_.empty()) sdk::check_dna(sequence, gene.symbol, "from Gene::sequence, the annotation's promoter");
      upper.resize(sequence.size());
      std::transform(sequence.begin(), sequence.end(), upper.begin(),
                     [](char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); });
      ids[g] = tokenizer_.encode(upper);
      present[g] = true;
    }
    const at::Tensor features =
        embed_genes(model_, ids, present, tokenizer_.pad_id(), pooling_, batch_size_, kWho, "DNA sequence");
    return sdk::with_missing_flag(features, present, kWho, "DNA sequence");
  }

  bool cacheable() const override { return false; }

 private:
  TorchScriptModel model_;
  DnaTokenizer tokenizer_;
  Pooling pooling_;
  std::int64_t batch_size_;
  std::string sequences_file_;
};

sdk::OptionSchema options() {
  return sdk::OptionSchema{}
      .require("model", sdk::OptionType::path,
               "path of the TorchScript DNA language model (.pt; torch.jit.trace or torch.jit.script, then save). "
               "Called as forward(input_ids [B, L] int64, attention_mask [B, L] int64) (1 = token, 0 = padding "
               "with [PAD]; a forward taking only input_ids gets only those); returns [B, L, H] token states "
               "(pooled) or [B, H] (used as is), bare, first in a tuple or \"last_hidden_state\" of a dict")
      .add("tokens", "char",
           "\"char\": one token per base; \"kmer\": non-overlapping k-mers from the sequence start, a k-mer the "
           "vocabulary lacks (e.g. with N) and a last piece shorter than k as single bases")
      .choices({"char", "kmer"})
      .add("k", std::int64_t{6}, "k-mer length with tokens = \"kmer\"")
      .min(1)
      .add_path("vocab", "",
           "the model's vocab.txt (one token per line, id = line number; needs [PAD], and [CLS]/[SEP] with "
           "add_special_tokens). Empty: built-in ids [PAD]=0 [CLS]=1 [SEP]=2 A=3 C=4 G=5 T=6 N=7 (char tokens "
           "only)")
      .add("max_length", std::int64_t{512},
           "tokens per gene including [CLS]/[SEP]; longer sequences keep their start")
      .min(1)
      .add("pooling", "mean",
           "\"mean\": average over the non-padding tokens (special tokens included); \"cls\": the first "
           "position ([CLS] with add_special_tokens). Ignored when the model returns [B, H]")
      .choices({"mean", "cls"})
      .add("add_special_tokens", true, "frame each sequence as [CLS] ... [SEP]")
      .add("batch_size", std::int64_t{16}, "genes per forward call")
      .min(1)
      .add_path("sequences_file", "",
           "FASTA ('>GENE' headers) or TSV ('GENE<tab>SEQUENCE', optional header) keyed by gene symbol, "
           "Ensembl id or EPD promoter id (SYMBOL_N; a gene's several sequences are joined with N), plain or gzip; when set it replaces the annotation's promoters (Gene::sequence) and genes "
           "missing from it get a zero row and the missing flag");
}

std::shared_ptr<sdk::FeatureEncoder> make(const sdk::Options& options) {
  const bool special = options.get_bool("add_special_tokens");
  const std::int64_t max_length = options.get_int("max_length");
  // Cross-option: the declared minimum is 1; [CLS] and [SEP] need two more.
  if (special && max_length < 3)
    throw options.invalid("max_length", "must be at least 3 with add_special_tokens = true ([CLS], one base, [SEP])");
  return std::make_shared<TorchScriptDna>(options);
}

}  // namespace

void register_torchscript_dna(sdk::Registrar& r) {
  r.add<sdk::FeatureEncoder>("torchscript_dna",
                "Gene DNA (the annotation's promoter, or a FASTA/TSV file) through a user-supplied TorchScript DNA "
                "language model (base or k-mer tokens), pooled (mean or first token) per gene, plus a "
                "missing-sequence flag column",
                options(), &make);
}

}  // namespace trellis::encoders
