// encoder/dnalm: genes embedded by a trained DNA language model (a file
// written by `trellis dna train`). A sequence's embedding is the mean of the
// model's final hidden states over its positions, averaged over the forward
// and reverse-complement strands (a promoter may act from either strand);
// a gene's is the mean over its sequences (e.g. alternative promoters).
// Genes without a sequence get a zero row and a missing flag.
#include "encoder_dnalm.hpp"

#include <map>

#include <ATen/ATen.h>
#include <torch/types.h>
#include <torch/utils.h>

#include "gpn_conv.hpp"
#include "trellis/sdk/data.hpp"
#include "trellis/sdk/dna_model.hpp"
#include "trellis/sdk/dna_sequence.hpp"
#include "trellis/sdk/encoder.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/log.hpp"
#include "trellis/sdk/missing_rows.hpp"

namespace trellis::dnalm {

namespace {

const std::string kWho = "encoder/dnalm";

// A dnalm/gpn_conv model rebuilt from a model file's header and loaded.
std::shared_ptr<sdk::DnaModel> load_model(const std::string& file) {
  const sdk::DnaModelHeader header = sdk::read_dna_model_header(file);
  if (header.component != "dnalm/gpn_conv")
    throw sdk::Error(kWho + ": the model file '" + file + "' holds a '" + header.component +
                     "' model; this encoder embeds with dnalm/gpn_conv models (train one with `trellis dna train`)");
  std::shared_ptr<sdk::DnaModel> model;
  try {
    model = make_gpn_conv(sdk::Options(gpn_conv_options(), header.options, "the model file '" + file + "'"));
  } catch (const sdk::Error& e) {
    throw sdk::Error(kWho + ": " + e.what());
  }
  sdk::load_dna_parameters(file, *model);
  return model;
}

class DnaLmEncoder : public sdk::FeatureEncoder {
 public:
  explicit DnaLmEncoder(const sdk::Options& options)
      : model_file_(options.get_path("model")),
        sequences_file_(options.get_path("sequences_file")),
        batch_size_(options.get_int("batch_size")) {}

  at::Tensor encode(const sdk::BuildContext& context) override {
    const std::shared_ptr<sdk::DnaModel> model = load_model(model_file_);
    const sdk::GeneTable& genes = context.gene_table();
    const std::int64_t n = genes.size();
    std::vector<std::vector<std::string>> sequences(static_cast<std::size_t>(n));
    if (!sequences_file_.empty()) {
      auto read = sdk::read_gene_sequences(sequences_file_, genes);
      sdk::log_info(kWho + ": " + std::to_string(read.matched) + " of " + std::to_string(read.total) +
                    " sequences in '" + sequences_file_ + "' belong to universe genes");
      sequences = std::move(read.records);
    } else {
      for (std::int64_t g = 0; g < n; ++g) {
        const std::string& s = genes.at(g).sequence;
        sdk::check_dna(s, genes.at(g).symbol, "Gene::sequence from the annotation");
        if (!s.empty()) sequences[static_cast<std::size_t>(g)].push_back(s);
      }
    }
    const at::Tensor sums = embed_all(*model, sequences);
    std::vector<bool> present(static_cast<std::size_t>(n));
    at::Tensor counts = at::zeros({n, 1}, at::kFloat);
    for (std::int64_t g = 0; g < n; ++g) {
      const auto k = static_cast<float>(sequences[static_cast<std::size_t>(g)].size());
      present[static_cast<std::size_t>(g)] = k > 0;
      counts[g][0] = std::max(k, 1.0F);
    }
    return sdk::with_missing_flag(sums / counts, present, kWho, "sequence");
  }

  // The model file may change between runs under the same path.
  bool cacheable() const override { return false; }

 private:
  // Sums of sequence embeddings per gene, [G, D]. Sequences of one length
  // go through the model together, in batches.
  at::Tensor embed_all(sdk::DnaModel& model, const std::vector<std::vector<std::string>>& sequences) const {
    std::map<std::size_t, std::vector<std::pair<std::int64_t, const std::string*>>> by_length;
    std::int64_t total = 0;
    for (std::size_t g = 0; g < sequences.size(); ++g)
      for (const auto& s : sequences[g])
        if (!s.empty()) {
          by_length[s.size()].emplace_back(static_cast<std::int64_t>(g), &s);
          ++total;
        }
    at::Tensor sums = at::zeros({static_cast<std::int64_t>(sequences.size()), model.hidden_size()}, at::kFloat);
    torch::NoGradGuard no_grad;
    model.eval();
    std::int64_t done = 0;
    for (const auto& [length, items] : by_length) {
      for (std::size_t start = 0; start < items.size(); start += static_cast<std::size_t>(batch_size_)) {
        const std::size_t end = std::min(items.size(), start + static_cast<std::size_t>(batch_size_));
        std::vector<at::Tensor> rows;
        std::vector<std::int64_t> genes;
        for (std::size_t i = start; i < end; ++i) {
          rows.push_back(sdk::dna_tokens(*items[i].second));
          genes.push_back(items[i].first);
        }
        const at::Tensor tokens = at::stack(rows);
        const at::Tensor forward = model.hidden(tokens).mean(1);
        const at::Tensor reverse = model.hidden(sdk::reverse_complement_tokens(tokens)).mean(1);
        sums.index_add_(0, at::tensor(genes, at::kLong), (forward + reverse) / 2);
        done += static_cast<std::int64_t>(end - start);
      }
    }
    sdk::log_info(kWho + ": embedded " + std::to_string(done) + " sequences of " +
                  std::to_string(std::count_if(sequences.begin(), sequences.end(),
                                               [](const auto& s) { return !s.empty(); })) +
                  " genes with '" + model_file_ + "'");
    return sums;
  }

  std::string model_file_;
  std::string sequences_file_;
  std::int64_t batch_size_;
};

}  // namespace

sdk::OptionSchema dnalm_encoder_options() {
  sdk::OptionSchema s;
  s.require("model", sdk::OptionType::path, "a DNA model file written by `trellis dna train` (DIR/model.pt)");
  s.add_path("sequences_file", "",
             "FASTA or TSV (id<TAB>sequence) of gene sequences, matched by symbol, Ensembl id or EPD promoter id "
             "(SYMBOL_N; a gene's several sequences are averaged); empty: the annotation's promoters (Gene::sequence)");
  s.add("batch_size", std::int64_t{64}, "sequences per forward pass").min(1);
  return s;
}

std::shared_ptr<sdk::FeatureEncoder> make_dnalm_encoder(const sdk::Options& options) {
  return std::make_shared<DnaLmEncoder>(options);
}

}  // namespace trellis::dnalm
