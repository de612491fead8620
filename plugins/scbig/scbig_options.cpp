// predictor/scbig's options: the reference's defaults, each an option.
#include "scbig.hpp"
#include "scbig_config.hpp"
#include "trellis/sdk/ode.hpp"
#include "trellis/sdk/options.hpp"

namespace trellis::scbig {

sdk::OptionSchema scbig_options() {
  sdk::OptionSchema s;
  s.add("gene_features", std::vector<std::string>{}, "encoders whose chunk means give the tokens' positional code "
                                                      "(the reference: GeneCompass embeddings); [] = none")
      .add("perturbation_features", std::vector<std::string>{},
           "encoders the perturbation embedding is computed from (the reference: ESM2); at least one")
      .add("chunk", std::int64_t{64}, "genes per token").min(1)
      .add("width", std::int64_t{256}, "token width").min(1)
      .add("blocks", std::int64_t{3}, "module blocks in the encoder and in the decoder").min(1)
      .add("heads", std::int64_t{8}, "attention heads (must divide width)").min(1)
      .add("ffn", std::int64_t{512}, "feed-forward width").min(1)
      .add("module_tokens", std::int64_t{8}, "learnable module tokens per block").min(1)
      .add("latent", std::int64_t{50}, "latent dimension").min(1)
      .add("dropout", 0.1, "dropout of the autoencoder").min(0.0).less_than(1.0)
      .add("velocity_hidden", std::int64_t{1024}, "width of the velocity MLP's hidden layers").min(1)
      .add("velocity_layers", std::int64_t{2}, "hidden layers of the velocity MLP").min(1)
      .add("velocity_dropout", 0.1, "dropout of the velocity MLP").min(0.0).less_than(1.0)
      .add("time_dim", std::int64_t{128}, "width of the sinusoidal time code (even)").min(2)
      .add("condition_dim", std::int64_t{256}, "width of the perturbation embedding").min(1)
      .add("standardise_genes", true,
           "the autoencoder reads and reconstructs genes scaled to unit variance over the training cells (false: "
           "centred only, as the reference)")
      .add("pretrain_epochs", std::int64_t{100}, "epochs of the stage pretrain_autoencoder").min(0)
      .add("pretrain_batch_size", std::int64_t{256}, "batch size of pretrain_autoencoder").min(1)
      .add("pretrain_learning_rate", 1e-4, "Adam learning rate of pretrain_autoencoder").greater_than(0.0)
      .add("pretrain_cells_per_condition", std::int64_t{0},
           "pretrain_autoencoder: cells per training condition and epoch (0 = all)").min(0)
      .add("epochs", std::int64_t{50}, "epochs of flow matching (stage fit)").min(1)
      .add("batch_size", std::int64_t{256}, "flow-matching batch size").min(1)
      .add("learning_rate", 5e-5, "flow-matching Adam learning rate").greater_than(0.0)
      .add("cells_per_condition", std::int64_t{0}, "flow-matching cells per training condition and epoch (0 = all)")
      .min(0)
      .add("sigma", 0.5, "constant noise of the probability path").min(0.0)
      .add("ot_epsilon", 1.0, "entropic regularisation of minibatch OT pairing (cost scaled by its mean)")
      .greater_than(0.0)
      .add("correlation_weight", 0.1, "weight of the module-correlation loss (0 = off)").min(0.0)
      .add("gene_set_weight", 0.1, "weight of the GO gene-set Sinkhorn loss (0 = off)").min(0.0)
      .add("gene_set_epsilon", 0.1, "Sinkhorn epsilon of the gene-set loss").greater_than(0.0)
      .add("gene_set_iterations", std::int64_t{50}, "Sinkhorn iterations of the gene-set loss").min(1)
      .add("gene_set_min_size", std::int64_t{5}, "smallest GO gene set (measured genes)").min(1)
      .add("gene_set_max_size", std::int64_t{500}, "largest GO gene set (measured genes)").min(1)
      .add("max_gene_sets", std::int64_t{200}, "GO gene sets kept, largest first").min(1)
      .add("aux_every", std::int64_t{10}, "auxiliary losses every this many flow-matching steps").min(1)
      .add("aux_cells", std::int64_t{64}, "batch rows the auxiliary losses decode").min(2)
      .add("solver", "rk45", "ODE solver at inference").choices({"rk45", "rk4", "euler"})
      .add("solver_steps", std::int64_t{20}, "steps of the fixed-step solvers").min(1)
      .add("rtol", 1e-5, "rk45 relative tolerance").greater_than(0.0)
      .add("atol", 1e-5, "rk45 absolute tolerance").greater_than(0.0)
      .add("max_solver_steps", std::int64_t{10000}, "rk45 steps before giving up").min(1)
      .add("inference_cells", std::int64_t{100}, "control cells integrated per predicted condition").min(1);
  return s;
}

ScbigConfig read_config(const sdk::Options& o) {
  ScbigConfig c;
  c.gene_features = o.get_strings("gene_features");
  c.perturbation_features = o.get_strings("perturbation_features");
  if (c.perturbation_features.empty())
    throw o.invalid("perturbation_features", "is empty: name at least one encoder under [model.encoders] (e.g. "
                                             "perturbation_features = [\"go\"]) so unseen genes get an embedding");
  c.autoencoder.chunk = o.get_int("chunk");
  c.autoencoder.width = o.get_int("width");
  c.autoencoder.blocks = o.get_int("blocks");
  c.autoencoder.heads = o.get_int("heads");
  if (c.autoencoder.width % c.autoencoder.heads != 0)
    throw o.invalid("heads", "must divide width (" + std::to_string(c.autoencoder.width) + ")");
  c.autoencoder.ffn = o.get_int("ffn");
  c.autoencoder.module_tokens = o.get_int("module_tokens");
  c.autoencoder.latent = o.get_int("latent");
  c.autoencoder.dropout = o.get_double("dropout");
  c.velocity.latent = c.autoencoder.latent;
  c.velocity.hidden = o.get_int("velocity_hidden");
  c.velocity.layers = o.get_int("velocity_layers");
  c.velocity.dropout = o.get_double("velocity_dropout");
  c.velocity.time_dim = o.get_int("time_dim");
  if (c.velocity.time_dim % 2 != 0) throw o.invalid("time_dim", "must be even");
  c.velocity.condition = o.get_int("condition_dim");
  c.standardise_genes = o.get_bool("standardise_genes");
  c.pretrain_epochs = o.get_int("pretrain_epochs");
  c.pretrain_batch = o.get_int("pretrain_batch_size");
  c.pretrain_lr = o.get_double("pretrain_learning_rate");
  c.pretrain_cells = o.get_int("pretrain_cells_per_condition");
  c.fit_epochs = o.get_int("epochs");
  c.fit_batch = o.get_int("batch_size");
  c.fit_lr = o.get_double("learning_rate");
  c.cells_per_condition = o.get_int("cells_per_condition");
  c.sigma = o.get_double("sigma");
  c.ot_epsilon = o.get_double("ot_epsilon");
  c.correlation_weight = o.get_double("correlation_weight");
  c.gene_set_weight = o.get_double("gene_set_weight");
  c.gene_set_epsilon = o.get_double("gene_set_epsilon");
  c.gene_set_iterations = o.get_int("gene_set_iterations");
  c.gene_set_min = o.get_int("gene_set_min_size");
  c.gene_set_max = o.get_int("gene_set_max_size");
  c.max_gene_sets = o.get_int("max_gene_sets");
  c.aux_every = o.get_int("aux_every");
  c.aux_cells = o.get_int("aux_cells");
  c.solver.method = o.get_string("solver");
  c.solver.steps = o.get_int("solver_steps");
  c.solver.rtol = o.get_double("rtol");
  c.solver.atol = o.get_double("atol");
  c.solver.max_steps = o.get_int("max_solver_steps");
  c.inference_cells = o.get_int("inference_cells");
  return c;
}

}  // namespace trellis::scbig
