// predictor/scbig: scBIG's module-aware autoencoder, then conditional flow
// matching in its latent, from control cells to perturbed cells.
//
// Stage "pretrain_autoencoder" (cell pairs): the autoencoder reconstructs
//   control and perturbed cells (centred by the training mean, genes in
//   module order).
// Stage "fit" (items = training perturbed cells): the encoder is frozen and
//   every cell's latent cached; each batch's targets are paired with control
//   latents of their context by minibatch OT (pair_batch, the sampler hook),
//   and the velocity field regresses x1 - x0 on the constant-noise path.
//   Every aux_every steps the auxiliary losses decode the one-step endpoint
//   estimate x_t + (1 - t) v of aux_cells rows.
// Prediction: control cells of the condition's context are encoded,
//   integrated from t = 0 to 1 under the condition's embedding, decoded and
//   averaged (sample() returns them).
#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <random>
#include <sstream>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "aux_losses.hpp"
#include "cell_autoencoder.hpp"
#include "gene_embedding.hpp"
#include "scbig.hpp"
#include "scbig_config.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/flow_matching.hpp"
#include "trellis/sdk/log.hpp"
#include "trellis/sdk/ode.hpp"
#include "trellis/sdk/predictor.hpp"
#include "trellis/sdk/transport.hpp"
#include "velocity_field.hpp"

namespace trellis::scbig {

namespace {

const std::string kPretrain = "pretrain_autoencoder";
const std::string kFit = "fit";

std::uint64_t mix(std::uint64_t seed, const std::string& text) {
  return seed ^ (std::hash<std::string>{}(text) + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}

class Scbig : public sdk::NeuralPredictor {
 public:
  explicit Scbig(ScbigConfig c) : c_(std::move(c)) {}

  sdk::Requirements requirements() const override {
    sdk::Requirements r;
    r.features = c_.gene_features;
    for (const auto& f : c_.perturbation_features)
      if (std::find(r.features.begin(), r.features.end(), f) == r.features.end()) r.features.push_back(f);
    r.structure_learner = true;
    r.adapter_slots = {"perturbation"};  // every gene's projected features, before the flow pools the perturbed ones
    return r;
  }

  std::vector<sdk::TrainingStage> stages() const override {
    std::vector<sdk::TrainingStage> out;
    if (c_.pretrain_epochs > 0) {
      sdk::TrainingStage pretrain;
      pretrain.name = kPretrain;
      pretrain.batch_mode = sdk::BatchMode::cell_pairs;
      pretrain.validate = false;  // it does not predict perturbations yet
      pretrain.defaults = settings(c_.pretrain_epochs, c_.pretrain_batch, c_.pretrain_lr);
      pretrain.defaults.clip_norm = 0.0;
      pretrain.defaults.max_cells_per_condition = c_.pretrain_cells;
      out.push_back(pretrain);
    }
    sdk::TrainingStage fit;
    fit.name = kFit;
    fit.batch_mode = sdk::BatchMode::items;
    fit.items = static_cast<std::int64_t>(item_cell_.size());  // known after prepare(); the host asks again then
    fit.defaults = settings(c_.fit_epochs, c_.fit_batch, c_.fit_lr);
    out.push_back(fit);
    return out;
  }

  std::vector<at::Tensor> stage_parameters(const std::string& stage) override {
    return stage == kPretrain ? autoencoder_->parameters() : velocity_->parameters();
  }

  void prepare(sdk::FitContext& context) override {
    if (!context.genes || !context.screen) throw sdk::Error("needs the gene universe and the screen");
    screen_ = context.screen;
    seed_ = context.seed;
    const std::vector<std::int64_t>& measured = context.genes->measured();
    const auto genes = static_cast<std::int64_t>(measured.size());
    order_modules(context, measured);
    const at::Tensor ordered = at::tensor(measured, at::kLong).index_select(0, order_);
    const std::vector<std::int64_t> model_measured(ordered.data_ptr<std::int64_t>(),
                                                   ordered.data_ptr<std::int64_t>() + genes);

    const auto [mean, sd] = training_moments(context);
    gene_mean_ = register_buffer("gene_mean", mean.index_select(0, order_));
    // Unit-variance genes when standardising (genes that never vary keep scale 1).
    gene_scale_ = register_buffer("gene_scale", c_.standardise_genes
                                                    ? at::where(sd > 1e-6, sd, at::ones_like(sd)).index_select(0, order_)
                                                    : at::ones_like(sd));
    latent_mean_ = register_buffer("latent_mean", at::zeros({c_.autoencoder.latent}));
    latent_scale_ = register_buffer("latent_scale", at::ones({c_.autoencoder.latent}));
    flow_steps_ = register_buffer("flow_steps", at::zeros({}, at::kLong));
    const at::Tensor gene_features = normalised_features(context, c_.gene_features);
    const at::Tensor measured_features = gene_features.index_select(0, at::tensor(model_measured, at::kLong));
    autoencoder_ = register_module(
        "autoencoder", CellAutoencoder(c_.autoencoder, genes, chunk_means(measured_features, c_.autoencoder.chunk)));
    velocity_ = register_module("velocity", VelocityField(c_.velocity, normalised_features(context, c_.perturbation_features)));
    velocity_->set_adapter(sdk::prepare_adapter(
        context, {"perturbation", "predictor/scbig", c_.velocity.condition, at::arange(context.genes->size(), at::kLong)}));
    gene_sets_ = c_.gene_set_weight > 0
                     ? go_gene_sets(*context.genes, model_measured, c_.gene_set_min, c_.gene_set_max, c_.max_gene_sets)
                     : at::zeros({0, genes});
    if (c_.gene_set_weight > 0 && gene_sets_.size(0) == 0)
      sdk::log_warning("predictor/scbig: no GO gene set has " + std::to_string(c_.gene_set_min) + "-" +
                       std::to_string(c_.gene_set_max) + " measured genes; the gene-set loss is off");
    collect_cells(context);
    latents_.clear();
  }

  // The sampler hook: in the flow stage, the batch's items become target
  // latents, each paired with a control latent of its context by minibatch OT.
  void pair_batch(sdk::Batch& batch) override {
    if (stage() != kFit) return;
    autoencoder_->eval();  // frozen: no dropout in the cached latents or the decoder
    cache_latents();
    const at::Tensor items = batch.items.contiguous();
    const std::int64_t* it = items.data_ptr<std::int64_t>();
    const std::int64_t b = items.size(0);
    std::vector<std::int64_t> cells(static_cast<std::size_t>(b));
    std::vector<const sdk::Condition*> conditions;
    batch.condition.clear();
    for (std::int64_t r = 0; r < b; ++r) {
      cells[static_cast<std::size_t>(r)] = item_cell_[static_cast<std::size_t>(it[r])];
      const std::int64_t c = item_condition_[static_cast<std::size_t>(it[r])];
      batch.condition.push_back(c);
      conditions.push_back(&screen_->conditions[static_cast<std::size_t>(c)]);
    }
    const at::Tensor target = cached(cells);
    // The seed follows from the batch itself, so a resumed run pairs alike.
    std::uint64_t seed = seed_;
    for (std::int64_t r = 0; r < b; ++r) seed = mix(seed, std::to_string(it[r]));
    at::Tensor control = at::empty_like(target);
    std::map<std::string, std::vector<std::int64_t>> rows_by_context;
    for (std::int64_t r = 0; r < b; ++r) rows_by_context[conditions[static_cast<std::size_t>(r)]->context].push_back(r);
    for (const auto& [context, rows] : rows_by_context) {
      const at::Tensor index = at::tensor(rows, at::kLong);
      const at::Tensor pool = control_sample(context, static_cast<std::int64_t>(rows.size()), mix(seed, context));
      const at::Tensor z0 = cached(pool);
      const at::Tensor z1 = target.index_select(0, index);
      control.index_copy_(0, index, z0.index_select(0, sdk::sample_ot_sources(z0, z1, c_.ot_epsilon, seed)));
    }
    batch.control = control;
    batch.target = target;
    const sdk::Batch perturbation = sdk::perturbation_batch(conditions);
    batch.perturbed_gene = perturbation.perturbed_gene;
    batch.perturbed_row = perturbation.perturbed_row;
    batch.perturbation_sign = perturbation.perturbation_sign;
    batch_cells_ = std::move(cells);
  }

  sdk::StepOutput training_step(const sdk::Batch& batch) override {
    if (stage() == kPretrain) {
      const at::Tensor x = model_order(at::cat({batch.control, batch.target}));
      const at::Tensor reconstructed = autoencoder_->decode(autoencoder_->encode(x));
      sdk::StepOutput out;
      out.loss = at::mse_loss(reconstructed, x);
      return out;
    }
    const std::int64_t b = batch.size();
    const at::Tensor t = at::rand({b});
    const sdk::FlowPathPoint path = sdk::constant_noise_path(batch.control, batch.target, t, c_.sigma,
                                                             c_.sigma > 0 ? at::randn_like(batch.control) : at::Tensor());
    const at::Tensor condition = velocity_->embed(perturbations(batch));
    const at::Tensor v = velocity_->forward(path.x, t, condition);
    sdk::StepOutput out;
    out.loss = sdk::flow_matching_loss(v, path.velocity);
    out.scalars["flow"] = out.loss.item<double>();
    // The step count is a buffer, so a resumed run computes the auxiliary
    // losses at the same steps as an uninterrupted one.
    flow_steps_ += 1;
    if (flow_steps_.item<std::int64_t>() % c_.aux_every == 0 && (c_.correlation_weight > 0 || gene_sets_.size(0) > 0))
      out.loss = out.loss + auxiliary(path, v, t, out.scalars);
    return out;
  }

  at::Tensor forward(const sdk::Batch& batch) override {
    // One deterministic trajectory from each row's control (the control mean
    // at prediction); predict() averages over sampled control cells instead.
    const at::Tensor z0 = standardise(autoencoder_->encode(model_order(batch.control)));
    return decode_expression(integrate(z0, velocity_->embed(perturbations(batch))));
  }

  at::Tensor loss(const at::Tensor& predicted, const sdk::Batch& batch) override {
    return at::mse_loss(predicted, batch.target);
  }

  at::Tensor predict(const std::vector<sdk::Condition>& conditions) override {
    std::vector<at::Tensor> rows;
    for (const auto& cells : sample(conditions, c_.inference_cells, seed_)) rows.push_back(cells.mean(0));
    return at::stack(rows);
  }

  std::vector<at::Tensor> sample(const std::vector<sdk::Condition>& conditions, std::int64_t cells_per_condition,
                                 std::uint64_t seed) override {
    if (!screen_) throw sdk::Error("predict() called before fit()");
    at::NoGradGuard no_grad;
    const bool was_training = is_training();
    eval();
    std::vector<at::Tensor> out;
    sdk::OdeStats stats, total;
    const auto start = std::chrono::steady_clock::now();
    for (const auto& condition : conditions) {
      const at::Tensor pool = control_sample(condition.context, cells_per_condition, mix(seed, condition.name));
      const at::Tensor z0 = latents_.empty() ? encode_cells(pool) : cached(pool);
      const sdk::Batch p = sdk::perturbation_batch({&condition});
      const at::Tensor embedding = velocity_->embed({p.perturbed_gene, p.perturbed_row, p.perturbation_sign, 1});
      out.push_back(decode_expression(integrate(z0, embedding.expand({z0.size(0), -1}), &stats)));
      total.evaluations += stats.evaluations;
      total.accepted += stats.accepted;
      total.rejected += stats.rejected;
    }
    if (!conditions.empty()) {
      const double n = static_cast<double>(conditions.size());
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::ostringstream m;
      m.precision(3);
      m << "predictor/scbig: " << conditions.size() << " conditions x " << cells_per_condition << " cells; "
        << c_.solver.method << " per condition: " << static_cast<double>(total.accepted) / n << " steps ("
        << static_cast<double>(total.rejected) / n << " rejected), " << static_cast<double>(total.evaluations) / n
        << " velocity evaluations; " << n * static_cast<double>(cells_per_condition) / seconds << " cells/s";
      sdk::log_info(m.str());
    }
    train(was_training);
    return out;
  }

 private:
  static sdk::TrainingSettings settings(std::int64_t epochs, std::int64_t batch, double lr) {
    sdk::TrainingSettings s;
    s.epochs = epochs;
    s.batch_size = batch;
    s.optimizer = "adam";
    s.learning_rate = lr;
    s.weight_decay = 0.0;
    s.schedule = "none";
    s.clip_norm = 1.0;
    return s;
  }

  // Genes sorted by their module (stable: ties keep screen order).
  void order_modules(const sdk::FitContext& context, const std::vector<std::int64_t>& measured) {
    if (!context.structure_learner)
      throw sdk::Error("needs gene modules: add [model.gsl] type = \"gsl/module_clustering\"");
    const sdk::GslOutput modules = context.structure_learner->learn({}, {});
    if (!modules.has_assignment())
      throw sdk::Error("needs gene modules, but [model.gsl] outputs no gene x module assignment; use "
                       "type = \"gsl/module_clustering\"");
    modules.validate(context.genes->size());
    const at::Tensor labels = modules.assignment.argmax(1).index_select(0, at::tensor(measured, at::kLong));
    order_ = std::get<1>(labels.sort(/*stable=*/true, 0, false));
    module_labels_ = labels.index_select(0, order_);
    modules_ = modules.assignment.size(1);
    inverse_ = at::empty_like(order_).index_copy_(0, order_, at::arange(order_.size(0), at::kLong));
  }

  // Per-gene mean and standard deviation over the training cells (perturbed
  // and control), accumulated a block of cells at a time.
  static std::pair<at::Tensor, at::Tensor> training_moments(const sdk::FitContext& context) {
    const sdk::Screen& screen = *context.screen;
    at::Tensor sum = at::zeros({screen.num_genes()}, at::kDouble), squares = at::zeros_like(sum);
    double n = 0;
    for (std::int64_t c : context.train_conditions) {
      const at::Tensor cells = screen.cells_of(c);
      for (std::int64_t start = 0; start < cells.size(0); start += 4096) {
        const at::Tensor x =
            screen.dense_rows(cells.narrow(0, start, std::min<std::int64_t>(4096, cells.size(0) - start))).to(at::kDouble);
        sum += x.sum(0);
        squares += x.pow(2).sum(0);
        n += static_cast<double>(x.size(0));
      }
    }
    if (n < 2) throw sdk::Error("the training set has fewer than 2 cells");
    const at::Tensor mean = sum / n;
    const at::Tensor sd = (squares / n - mean.pow(2)).clamp_min(0).sqrt();
    return {mean.to(at::kFloat), sd.to(at::kFloat)};
  }

  void collect_cells(const sdk::FitContext& context) {
    item_cell_.clear();
    item_condition_.clear();
    controls_by_context_.clear();
    for (const auto& ctx : screen_->contexts()) {
      const at::Tensor cells = screen_->cells_of(screen_->control_index(ctx));
      controls_by_context_[ctx] = cells;
    }
    std::mt19937_64 rng(seed_);
    for (std::int64_t c : context.train_conditions) {
      if (screen_->conditions[static_cast<std::size_t>(c)].is_control()) continue;
      const at::Tensor cells = screen_->cells_of(c).contiguous();
      std::vector<std::int64_t> ids(cells.data_ptr<std::int64_t>(), cells.data_ptr<std::int64_t>() + cells.numel());
      if (c_.cells_per_condition > 0 && static_cast<std::int64_t>(ids.size()) > c_.cells_per_condition) {
        std::shuffle(ids.begin(), ids.end(), rng);
        ids.resize(static_cast<std::size_t>(c_.cells_per_condition));
      }
      for (std::int64_t id : ids) {
        item_cell_.push_back(id);
        item_condition_.push_back(c);
      }
    }
    if (item_cell_.empty()) throw sdk::Error("the training set has no perturbed cells to learn a flow to");
  }

  // `n` control cells of `context`, drawn without replacement when there are enough.
  at::Tensor control_sample(const std::string& context, std::int64_t n, std::uint64_t seed) const {
    const auto found = controls_by_context_.find(context);
    if (found == controls_by_context_.end()) throw sdk::Error("no control cells for context '" + context + "'");
    const at::Tensor& pool = found->second;
    at::Generator g = at::detail::createCPUGenerator(seed);
    const at::Tensor pick = pool.size(0) >= n ? at::randperm(pool.size(0), g, at::kLong).narrow(0, 0, n)
                                              : at::randint(pool.size(0), {n}, g, at::kLong);
    return pool.index_select(0, pick);
  }

  at::Tensor model_order(const at::Tensor& expression) const {
    return (expression.index_select(1, order_) - gene_mean_) / gene_scale_;
  }

  // The flow runs on latents standardised per dimension over the training
  // cells, so the path noise sigma is in units of the latent's spread
  // whatever scale the autoencoder settled on.
  at::Tensor standardise(const at::Tensor& raw) const { return (raw - latent_mean_) / latent_scale_; }
  at::Tensor decode_centred(const at::Tensor& z) { return autoencoder_->decode(z * latent_scale_ + latent_mean_); }

  at::Tensor decode_expression(const at::Tensor& z) {
    return (decode_centred(z) * gene_scale_ + gene_mean_).index_select(1, inverse_);
  }

  at::Tensor encode_cells(const at::Tensor& cells) {
    at::NoGradGuard no_grad;
    std::vector<at::Tensor> parts;
    for (std::int64_t start = 0; start < cells.size(0); start += 512) {
      const at::Tensor ids = cells.narrow(0, start, std::min<std::int64_t>(512, cells.size(0) - start));
      parts.push_back(autoencoder_->encode(model_order(screen_->dense_rows(ids))));
    }
    const at::Tensor raw = at::cat(parts);
    check_finite(raw, cells);
    return standardise(raw);
  }

  // Latents of every training item and control cell, encoded once per fit
  // stage with the frozen encoder (again after a resume: they are not saved).
  void cache_latents() {
    if (!latents_.empty()) return;
    std::vector<std::int64_t> cells = item_cell_;
    for (const auto& [context, pool] : controls_by_context_)
      cells.insert(cells.end(), pool.data_ptr<std::int64_t>(), pool.data_ptr<std::int64_t>() + pool.numel());
    std::sort(cells.begin(), cells.end());
    cells.erase(std::unique(cells.begin(), cells.end()), cells.end());
    sdk::log_info("predictor/scbig: encoding " + std::to_string(cells.size()) + " cells into the latent");
    latent_mean_.zero_();
    latent_scale_.fill_(1.0);
    const at::Tensor raw = encode_cells(at::tensor(cells, at::kLong));
    latent_mean_.copy_(raw.mean(0));
    latent_scale_.copy_(raw.std(0).clamp_min(1e-6));
    const at::Tensor z = standardise(raw);
    for (std::size_t i = 0; i < cells.size(); ++i) latents_[cells[i]] = static_cast<std::int64_t>(i);
    latent_table_ = z;
  }

  at::Tensor cached(const std::vector<std::int64_t>& cells) const {
    std::vector<std::int64_t> rows;
    rows.reserve(cells.size());
    for (std::int64_t c : cells) rows.push_back(latents_.at(c));
    return latent_table_.index_select(0, at::tensor(rows, at::kLong));
  }
  at::Tensor cached(const at::Tensor& cells) const {
    const at::Tensor c = cells.contiguous();
    return cached(std::vector<std::int64_t>(c.data_ptr<std::int64_t>(), c.data_ptr<std::int64_t>() + c.numel()));
  }

  // Every latent is encoded here (cached once per fit stage, or at
  // prediction after a load), so this is the one place to catch a broken encoder.
  void check_finite(const at::Tensor& z, const at::Tensor& cells) const {
    const at::Tensor bad = (~at::isfinite(z).all(1)).nonzero().flatten();
    if (bad.numel() == 0) return;
    const at::Tensor conditions =
        std::get<0>(at::_unique(screen_->cell_condition.index_select(0, cells.index_select(0, bad)))).contiguous();
    std::string names;
    for (std::int64_t i = 0; i < conditions.numel(); ++i)
      names += (i ? ", " : "") + screen_->conditions[static_cast<std::size_t>(conditions.data_ptr<std::int64_t>()[i])].name;
    throw sdk::Error("NaN in the latent of " + std::to_string(bad.numel()) + " cells of conditions " + names +
                     ": the pre-trained autoencoder's output is not finite; lower pretrain_learning_rate or check "
                     "these conditions' expression");
  }

  static Perturbations perturbations(const sdk::Batch& batch) {
    return {batch.perturbed_gene, batch.perturbed_row, batch.perturbation_sign, batch.size()};
  }

  at::Tensor integrate(const at::Tensor& z0, const at::Tensor& condition, sdk::OdeStats* stats = nullptr) {
    const at::Tensor embedding = condition.detach();
    return sdk::ode_integrate(
        [&](double t, const at::Tensor& z) { return velocity_->forward(z, at::full({z.size(0)}, t, z.options()), embedding); },
        z0, 0.0, 1.0, c_.solver, stats);
  }

  at::Tensor auxiliary(const sdk::FlowPathPoint& path, const at::Tensor& v, const at::Tensor& t,
                       std::map<std::string, double>& scalars) {
    const std::int64_t n = std::min<std::int64_t>(c_.aux_cells, v.size(0));
    const at::Tensor endpoint = (path.x + (1 - t).unsqueeze(1) * v).narrow(0, 0, n);
    const at::Tensor predicted = decode_centred(endpoint);
    const std::vector<std::int64_t> cells(batch_cells_.begin(), batch_cells_.begin() + n);
    const at::Tensor observed = model_order(screen_->dense_rows(at::tensor(cells, at::kLong)));
    at::Tensor total = at::zeros({}, v.options());
    if (c_.correlation_weight > 0) {
      const at::Tensor l = module_correlation_loss(predicted, observed, module_labels_, modules_);
      scalars["module_correlation"] = l.item<double>();
      total = total + c_.correlation_weight * l;
    }
    if (gene_sets_.size(0) > 0) {
      const at::Tensor l =
          gene_set_sinkhorn_loss(predicted, observed, gene_sets_, c_.gene_set_epsilon, c_.gene_set_iterations);
      scalars["gene_sets"] = l.item<double>();
      total = total + c_.gene_set_weight * l;
    }
    return total;
  }

  ScbigConfig c_;
  const sdk::Screen* screen_ = nullptr;
  std::uint64_t seed_ = 0;
  at::Tensor order_, inverse_, module_labels_, gene_mean_, gene_scale_, gene_sets_, latent_mean_, latent_scale_;
  std::int64_t modules_ = 0;
  CellAutoencoder autoencoder_{nullptr};
  VelocityField velocity_{nullptr};
  std::vector<std::int64_t> item_cell_, item_condition_, batch_cells_;
  std::map<std::string, at::Tensor> controls_by_context_;
  std::map<std::int64_t, std::int64_t> latents_;  // cell id -> row of latent_table_
  at::Tensor latent_table_;
  at::Tensor flow_steps_;
};

}  // namespace

std::shared_ptr<sdk::Predictor> make_scbig(const sdk::Options& options) {
  return std::make_shared<Scbig>(read_config(options));
}

}  // namespace trellis::scbig
