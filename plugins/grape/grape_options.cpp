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
  s.add("kernel_sigma", 0.1, "Gaussian-kernel feature map exp(-x^2 / (2 sigma^2)) before each modality encoder; 0 = off")
      .min(0);
  s.add("hidden", std::int64_t{256},
        "width of the modality encoders, the fusion MLP, the perturbation embedding and the first GAT layer (per head)")
      .min(1);
  s.add("out_dim", std::int64_t{64}, "width of the second GAT layer (per head, heads averaged) and of the decoder")
      .min(1);
  s.add("gat_heads", std::int64_t{4}, "attention heads of both GAT layers of every relation").min(1);
  s.add("gat_dropout", 0.4, "dropout on the attention coefficients, training only").min(0).less_than(1);
  s.add("decoder_hidden", std::vector<std::int64_t>{128},
        "hidden widths of the decoder MLP [out_dim, ..., out_dim] before the gene-specific linear read-out")
      .min(1);
  s.add("perturbation", "learned",
        "\"learned\": sign (+1 activation, -1 knockdown/knockout) times a learned embedding is added to the perturbed "
        "genes' rows; \"reference\": the rows are zeroed in training and negated at prediction (the published code)")
      .choices({"learned", "reference"});
  s.add("broadcast", false,
        "add a learned projection of the perturbed genes' representations (signed, summed) to every gene's input "
        "to the decoder, so genes beyond the GAT's two hops respond to the perturbation too. false = the reference: "
        "only the perturbed genes' 2-hop neighbourhood can change and attention over ~20-50 neighbours dilutes "
        "even that, so predictions collapse to one profile. true stops the collapse but was not more accurate on "
        "Norman19 or Papalexi (docs: Models, GRAPE)");
  s.add("clamp_below", 0.01, "at prediction, outputs below this become 0 (the reference's clamp); 0 = off").min(0);
  s.add("huber_delta", 0.7, "delta of the Huber term on (observed - predicted)").greater_than(0);
  s.add("huber_weight", 1.0, "weight of the Huber term (the loss is MSE + weight * Huber + GSL regulariser)")
      .min(0);
  s.add("autofocus_gamma", 0.0, "adds mean |predicted - observed|^(2 + gamma) to the loss when > 0; 0 = off")
      .min(0);
  s.add("pretrain_epochs", std::int64_t{0},
        "epochs of contrastive pre-alignment (InfoNCE) of the first two modalities before training; 0 = off "
        "(the reference uses 10)")
      .min(0);
  s.add("pretrain_dim", std::int64_t{128}, "width of the projection heads of the contrastive pre-alignment").min(1);
  s.add("pretrain_temperature", 0.1, "temperature of the InfoNCE logits (cosine similarity / temperature)")
      .greater_than(0);
  s.add("pretrain_batch", std::int64_t{256}, "genes per contrastive batch (one positive and at least one negative)")
      .min(2);
  s.add("pretrain_lr", 1e-3, "Adam learning rate of the contrastive pre-alignment").greater_than(0);
  s.add("eval_chunk", std::int64_t{64}, "at prediction, conditions processed together (bounds memory)").min(1);
  return s;
}

GrapeConfig read_grape_config(const sdk::Options& o) {
  GrapeConfig c;
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
  c.hidden = o.get_int("hidden");
  c.out_dim = o.get_int("out_dim");
  c.gat_heads = o.get_int("gat_heads");
  c.gat_dropout = o.get_double("gat_dropout");
  c.decoder_hidden = o.get_ints("decoder_hidden");
  // The schema's choices() admit only these two.
  c.perturbation = o.get_string("perturbation") == "learned" ? PerturbationInput::learned : PerturbationInput::reference;
  c.broadcast = o.get_bool("broadcast");
  c.clamp_below = o.get_double("clamp_below");
  c.huber_delta = o.get_double("huber_delta");
  c.huber_weight = o.get_double("huber_weight");
  c.autofocus_gamma = o.get_double("autofocus_gamma");
  c.pretrain_epochs = o.get_int("pretrain_epochs");
  if (c.pretrain_epochs > 0 && c.modalities.size() < 2)
    throw o.invalid("pretrain_epochs", "contrastive pre-alignment needs two modalities; list two in 'modalities' or set 0");
  c.pretrain_dim = o.get_int("pretrain_dim");
  c.pretrain_temperature = o.get_double("pretrain_temperature");
  c.pretrain_batch = o.get_int("pretrain_batch");
  c.pretrain_lr = o.get_double("pretrain_lr");
  c.eval_chunk = o.get_int("eval_chunk");
  return c;
}

}  // namespace trellis::grape
