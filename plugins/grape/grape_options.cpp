// predictor/grape options: declaration (with the published defaults) and checks.
#include "grape_options.hpp"

#include <set>

#include "trellis/sdk/options.hpp"

namespace trellis::grape {

sdk::OptionSchema grape_options() {
  sdk::OptionSchema s;
  s.add("modalities", std::vector<std::string>{"text", "dna"},
        "named features (under [model.encoders]) encoded per modality and fused; one or more");
  s.add("graph", "prior", "the prior graph (a name under [model.graphs]) the structure learner refines");
  s.add("kernel_sigma", 0.1, "Gaussian-kernel feature map exp(-x^2 / (2 sigma^2)) before each modality encoder; 0 = off");
  s.add("hidden", std::int64_t{256},
        "width of the modality encoders, the fusion MLP, the perturbation embedding and the first GAT layer (per head)");
  s.add("out_dim", std::int64_t{64}, "width of the second GAT layer (per head, heads averaged) and of the decoder");
  s.add("gat_heads", std::int64_t{4}, "attention heads of both GAT layers of every relation");
  s.add("gat_dropout", 0.4, "dropout on the attention coefficients, training only");
  s.add("decoder_hidden", std::vector<std::int64_t>{128},
        "hidden widths of the decoder MLP [out_dim, ..., out_dim] before the gene-specific linear read-out");
  s.add("perturbation", "learned",
        "\"learned\": sign (+1 activation, -1 knockdown/knockout) times a learned embedding is added to the perturbed "
        "genes' rows; \"reference\": the rows are zeroed in training and negated at prediction (the published code)");
  s.add("clamp_below", 0.01, "at prediction, outputs below this become 0 (the reference's clamp); 0 = off");
  s.add("huber_delta", 0.7, "delta of the Huber term on (observed - predicted)");
  s.add("huber_weight", 1.0, "weight of the Huber term (the loss is MSE + weight * Huber + GSL regulariser)");
  s.add("autofocus_gamma", 0.0, "adds mean |predicted - observed|^(2 + gamma) to the loss when > 0; 0 = off");
  s.add("pretrain_epochs", std::int64_t{0},
        "epochs of contrastive pre-alignment (InfoNCE) of the first two modalities before training; 0 = off "
        "(the reference uses 10)");
  s.add("pretrain_dim", std::int64_t{128}, "width of the projection heads of the contrastive pre-alignment");
  s.add("pretrain_temperature", 0.1, "temperature of the InfoNCE logits (cosine similarity / temperature)");
  s.add("pretrain_batch", std::int64_t{256}, "genes per contrastive batch (the other genes of a batch are negatives)");
  s.add("pretrain_lr", 1e-3, "Adam learning rate of the contrastive pre-alignment");
  s.add("eval_chunk", std::int64_t{64}, "at prediction, conditions processed together (bounds memory)");
  return s;
}

GrapeConfig read_grape_config(const sdk::Options& o) {
  GrapeConfig c;
  auto positive = [&](const char* name) {
    const std::int64_t v = o.get_int(name);
    if (v < 1) throw o.invalid(name, "must be at least 1, got " + std::to_string(v));
    return v;
  };
  c.modalities = o.get_strings("modalities");
  if (c.modalities.empty()) throw o.invalid("modalities", "must name at least one feature under [model.encoders]");
  std::set<std::string> seen;
  for (const auto& m : c.modalities) {
    if (m.empty()) throw o.invalid("modalities", "holds an empty name");
    if (!seen.insert(m).second) throw o.invalid("modalities", "names '" + m + "' twice");
  }
  c.graph = o.get_string("graph");
  if (c.graph.empty()) throw o.invalid("graph", "must name a graph under [model.graphs]");
  c.kernel_sigma = o.get_double("kernel_sigma");
  if (!(c.kernel_sigma >= 0)) throw o.invalid("kernel_sigma", "must be 0 (off) or positive");
  c.hidden = positive("hidden");
  c.out_dim = positive("out_dim");
  c.gat_heads = positive("gat_heads");
  c.gat_dropout = o.get_double("gat_dropout");
  if (!(c.gat_dropout >= 0 && c.gat_dropout < 1)) throw o.invalid("gat_dropout", "must be in [0, 1)");
  c.decoder_hidden = o.get_ints("decoder_hidden");
  for (auto w : c.decoder_hidden)
    if (w < 1) throw o.invalid("decoder_hidden", "widths must be at least 1, got " + std::to_string(w));
  const std::string mode = o.get_string("perturbation");
  if (mode == "learned")
    c.perturbation = PerturbationInput::learned;
  else if (mode == "reference")
    c.perturbation = PerturbationInput::reference;
  else
    throw o.invalid("perturbation", "unknown mode '" + mode + "'; use \"learned\" or \"reference\"");
  c.clamp_below = o.get_double("clamp_below");
  if (!(c.clamp_below >= 0)) throw o.invalid("clamp_below", "must be 0 (off) or positive");
  c.huber_delta = o.get_double("huber_delta");
  if (!(c.huber_delta > 0)) throw o.invalid("huber_delta", "must be positive");
  c.huber_weight = o.get_double("huber_weight");
  if (!(c.huber_weight >= 0)) throw o.invalid("huber_weight", "must be 0 or positive");
  c.autofocus_gamma = o.get_double("autofocus_gamma");
  if (!(c.autofocus_gamma >= 0)) throw o.invalid("autofocus_gamma", "must be 0 (off) or positive");
  c.pretrain_epochs = o.get_int("pretrain_epochs");
  if (c.pretrain_epochs < 0) throw o.invalid("pretrain_epochs", "must be 0 (off) or positive");
  if (c.pretrain_epochs > 0 && c.modalities.size() < 2)
    throw o.invalid("pretrain_epochs", "contrastive pre-alignment needs two modalities; list two in 'modalities' or set 0");
  c.pretrain_dim = positive("pretrain_dim");
  c.pretrain_temperature = o.get_double("pretrain_temperature");
  if (!(c.pretrain_temperature > 0)) throw o.invalid("pretrain_temperature", "must be positive");
  c.pretrain_batch = o.get_int("pretrain_batch");
  if (c.pretrain_batch < 2) throw o.invalid("pretrain_batch", "must be at least 2 (one positive and one negative)");
  c.pretrain_lr = o.get_double("pretrain_lr");
  if (!(c.pretrain_lr > 0)) throw o.invalid("pretrain_lr", "must be positive");
  c.eval_chunk = positive("eval_chunk");
  return c;
}

}  // namespace trellis::grape
