// predictor/latent_shift: a two-stage model with an adapter slot.
//
// Stage "pretrain_autoencoder" (cell pairs): an autoencoder of expression,
//   z = encoder(y) = Linear(G -> k), y' = decoder(z) = Linear(k -> G),
//   trained on reconstruction MSE of the batch's cells.
// Stage "fit" (condition means): every gene u of the universe has a learned
//   embedding e_u [k], passed through the adapter slot "genes" (identity when
//   the config leaves it empty); a condition is predicted as
//   decoder(encoder(control) + sum of e_u over its perturbed genes).
//   Only the embeddings and the adapter train here: the autoencoder stays as
//   pre-trained.
#include <memory>

#include <ATen/ATen.h>
#include <torch/nn/modules/linear.h>
#include <trellis/sdk/adapter.hpp>
#include <trellis/sdk/error.hpp>
#include <trellis/sdk/predictor.hpp>

#include "hello.hpp"

namespace hello {

const std::string kPretrain = "pretrain_autoencoder";

class LatentShift : public trellis::sdk::NeuralPredictor {
 public:
  LatentShift(std::int64_t latent, std::int64_t pretrain_epochs) : latent_(latent), pretrain_epochs_(pretrain_epochs) {}

  trellis::sdk::Requirements requirements() const override {
    trellis::sdk::Requirements r;
    r.adapter_slots = {"genes"};
    return r;
  }

  std::vector<trellis::sdk::TrainingStage> stages() const override {
    trellis::sdk::TrainingStage pretrain;
    pretrain.name = kPretrain;
    pretrain.batch_mode = trellis::sdk::BatchMode::cell_pairs;
    pretrain.validate = false;  // it does not predict perturbations yet
    pretrain.defaults.epochs = pretrain_epochs_;
    pretrain.defaults.schedule = "none";
    pretrain.defaults.weight_decay = 0.0;
    trellis::sdk::TrainingStage fit;
    fit.batch_mode = trellis::sdk::BatchMode::condition_means;
    fit.defaults.learning_rate = 1e-2;
    fit.defaults.schedule = "none";
    fit.defaults.weight_decay = 0.0;
    return {pretrain, fit};
  }

  void prepare(trellis::sdk::FitContext& context) override {
    if (!context.genes || !context.control_mean.defined())
      throw trellis::sdk::Error("needs the gene universe and the control mean");
    const std::int64_t measured = context.control_mean.size(0);
    encoder_ = register_module("encoder", torch::nn::Linear(measured, latent_));
    decoder_ = register_module("decoder", torch::nn::Linear(latent_, measured));
    embedding_ = register_parameter("embedding", at::randn({context.genes->size(), latent_}) * 0.01);
    // Rows of the embedding are the universe genes in order.
    adapter_ = trellis::sdk::prepare_adapter(
        context, {"genes", "predictor/latent_shift", latent_, at::arange(context.genes->size(), at::kLong)});
  }

  std::vector<at::Tensor> stage_parameters(const std::string& stage) override {
    if (stage == kPretrain) {
      std::vector<at::Tensor> params = encoder_->parameters();
      for (const auto& p : decoder_->parameters()) params.push_back(p);
      return params;
    }
    std::vector<at::Tensor> params = {embedding_};
    if (adapter_)
      for (const auto& p : adapter_->parameters()) params.push_back(p);
    return params;
  }

  trellis::sdk::StepOutput training_step(const trellis::sdk::Batch& batch) override {
    if (stage() == kPretrain) {
      const at::Tensor reconstructed = decoder_->forward(encoder_->forward(batch.target));
      return {at::mse_loss(reconstructed, batch.target), {}};
    }
    trellis::sdk::StepOutput out;
    out.loss = loss(forward(batch), batch);
    out.scalars["embedding_norm"] = embedding_.norm().item<double>();
    return out;
  }

  at::Tensor forward(const trellis::sdk::Batch& batch) override {
    const at::Tensor genes = adapter_ ? adapter_->adapt(embedding_) : embedding_;
    at::Tensor shift = at::zeros({batch.size(), latent_}, genes.options());
    if (batch.perturbed_gene.defined() && batch.perturbed_gene.numel() > 0)
      shift = shift.index_add(0, batch.perturbed_row, genes.index_select(0, batch.perturbed_gene));
    return decoder_->forward(encoder_->forward(batch.control) + shift);
  }

  at::Tensor loss(const at::Tensor& predicted, const trellis::sdk::Batch& batch) override {
    return at::mse_loss(predicted, batch.target);
  }

 private:
  std::int64_t latent_, pretrain_epochs_;
  torch::nn::Linear encoder_{nullptr}, decoder_{nullptr};
  at::Tensor embedding_;
  std::shared_ptr<trellis::sdk::Adapter> adapter_;
};

void register_latent_shift(trellis::sdk::Registrar& registrar) {
  registrar.add<trellis::sdk::Predictor>(
      "latent_shift",
      "Two stages: pre-trains an expression autoencoder, then learns per-gene latent shifts (adapter slot 'genes')",
      trellis::sdk::OptionSchema{}
          .add("latent", std::int64_t{16}, "width of the latent space")
          .add("pretrain_epochs", std::int64_t{2}, "default epochs of the stage pretrain_autoencoder"),
      [](const trellis::sdk::Options& options) {
        if (options.get_int("latent") < 1) throw options.invalid("latent", "must be at least 1");
        return std::make_shared<LatentShift>(options.get_int("latent"), options.get_int("pretrain_epochs"));
      });
}

}  // namespace hello
