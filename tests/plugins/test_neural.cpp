// A small real neural predictor for end-to-end tests of the training loop:
// one learnt delta per perturbable gene, summed over a condition's genes and
// added to the control expression, trained with mean squared error.
#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include "trellis/sdk/plugin.hpp"
#include "trellis/sdk/predictor.hpp"

namespace {

using namespace trellis::sdk;

class GeneDeltas : public NeuralPredictor {
 public:
  GeneDeltas(BatchMode mode, double init_scale) : mode_(mode), init_scale_(init_scale) {}

  void prepare(FitContext& context) override {
    if (!context.genes || !context.screen) throw Error("predictor/test_neural needs the gene table and the screen");
    // Every gene of the universe may be perturbed; unseen genes keep their
    // (small) initial delta.
    delta_ = register_parameter(
        "delta", at::randn({context.genes->size(), context.screen->num_genes()}) * init_scale_);
  }

  at::Tensor forward(const Batch& batch) override {
    const at::Tensor added = at::zeros_like(batch.control)
                                 .index_add(0, batch.perturbed_row, delta_.index_select(0, batch.perturbed_gene));
    return batch.control + added;
  }

  at::Tensor loss(const at::Tensor& predicted, const Batch& batch) override {
    return (predicted - batch.target).pow(2).mean();
  }

  BatchMode batch_mode() const override { return mode_; }

  TrainingSettings training_defaults() const override {
    TrainingSettings s;
    s.epochs = 8;
    s.batch_size = 32;
    s.learning_rate = 0.05;
    s.weight_decay = 0.0;
    s.schedule = "none";
    s.clip_norm = 1.0;
    return s;
  }

 private:
  BatchMode mode_;
  double init_scale_;
  at::Tensor delta_;
};

void register_neural(Registrar& r) {
  r.add<trellis::sdk::Predictor>("test_neural", "Per-gene learnt deltas added to the control (a test model)",
                  OptionSchema{}
                      .add("batch_mode", "cell_pairs", "cell_pairs or condition_means")
                      .add("init_scale", 0.01, "standard deviation of the initial deltas"),
                  [](const Options& o) -> std::shared_ptr<Predictor> {
                    const std::string mode = o.get_string("batch_mode");
                    if (mode != "cell_pairs" && mode != "condition_means")
                      throw o.invalid("batch_mode", "must be cell_pairs or condition_means");
                    if (o.get_double("init_scale") < 0) throw o.invalid("init_scale", "must not be negative");
                    return std::make_shared<GeneDeltas>(
                        mode == "cell_pairs" ? BatchMode::cell_pairs : BatchMode::condition_means,
                        o.get_double("init_scale"));
                  });
}

}  // namespace

TRELLIS_PLUGIN("test_neural", "0.1.0", "A small neural predictor for testing the training loop", "MIT",
               register_neural)
