// encoder/torchscript_text: each gene's text (its description, else its
// short name) through a BERT-family model the user exported to TorchScript,
// with BERT's own WordPiece tokenizer, pooled to one vector per gene
// (GRAPE's reference: the 768-d [CLS] vector of a BERT model).
//
// Not cacheable: the output depends on the model and vocabulary files'
// contents, which an option-keyed cache would not see change.
#include <memory>

#include <ATen/core/Tensor.h>

#include "trellis/sdk/missing_rows.hpp"
#include "trellis/sdk/encoder.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/plugin.hpp"
#include "ts_encoders.hpp"
#include "ts_module.hpp"
#include "ts_wordpiece.hpp"

namespace trellis::encoders {

namespace {

constexpr const char* kWho = "encoder/torchscript_text";

class TorchScriptText : public sdk::FeatureEncoder {
 public:
  TorchScriptText(const sdk::Options& options)
      : model_(options.get_path("model"), kWho),
        tokenizer_(Vocab::read(options.get_path("vocab"), kWho), options.get_bool("lower_case"), kWho),
        max_length_(options.get_int("max_length")),
        pooling_(parse_pooling(options.get_string("pooling"), kWho)),
        batch_size_(options.get_int("batch_size")) {}

  at::Tensor encode(const sdk::BuildContext& context) override {
    const sdk::GeneTable& genes = context.gene_table();
    std::vector<std::vector<std::int64_t>> ids(static_cast<std::size_t>(genes.size()));
    std::vector<bool> present(ids.size(), false);
    for (std::int64_t g = 0; g < genes.size(); ++g) {
      const sdk::Gene& gene = genes.at(g);
      const std::string& text = !gene.description.empty() ? gene.description : gene.short_name;
      if (text.empty()) continue;
      ids[g] = tokenizer_.encode(text, max_length_);
      present[g] = true;
    }
    const at::Tensor features =
        embed_genes(model_, ids, present, tokenizer_.pad_id(), pooling_, batch_size_, kWho, "description or name");
    return sdk::with_missing_flag(features, present, kWho, "description or name");
  }

  bool cacheable() const override { return false; }

 private:
  TorchScriptModel model_;
  WordPieceTokenizer tokenizer_;
  std::int64_t max_length_;
  Pooling pooling_;
  std::int64_t batch_size_;
};

sdk::OptionSchema options() {
  return sdk::OptionSchema{}
      .require("model", sdk::OptionType::path,
               "path of the TorchScript model (.pt; torch.jit.trace or torch.jit.script, then save). Called as "
               "forward(input_ids [B, L] int64, attention_mask [B, L] int64) (1 = token, 0 = padding with [PAD]); "
               "returns [B, L, H] token states (pooled) or [B, H] (used as is), bare, first in a tuple or "
               "\"last_hidden_state\" of a dict")
      .require("vocab", sdk::OptionType::path,
               "the model's vocab.txt: one WordPiece token per line, id = line number; must hold [CLS], [SEP], "
               "[PAD] and [UNK]")
      .add("lower_case", true, "lower-case and strip accents before WordPiece (true for uncased BERT models)")
      .add("max_length", std::int64_t{512}, "tokens per gene including [CLS] and [SEP]; longer texts are truncated")
      .min(3)
      .add("pooling", "cls",
           "\"cls\": the [CLS] token's vector; \"mean\": average over the non-padding tokens ([CLS] and [SEP] "
           "included). Ignored when the model returns [B, H]")
      .choices({"cls", "mean"})
      .add("batch_size", std::int64_t{16}, "genes per forward call")
      .min(1);
}

std::shared_ptr<sdk::FeatureEncoder> make(const sdk::Options& options) {
  return std::make_shared<TorchScriptText>(options);
}

}  // namespace

void register_torchscript_text(sdk::Registrar& r) {
  r.add<sdk::FeatureEncoder>("torchscript_text",
                "Gene description (else name) through a user-supplied BERT-family TorchScript model with WordPiece "
                "tokenisation, pooled ([CLS] or mean) per gene, plus a missing-text flag column",
                options(), &make);
}

}  // namespace trellis::encoders
