// Predictor defaults and the NeuralPredictor's fit / predict / save / load.
#include <cstdio>
#include <filesystem>

#include <ATen/ATen.h>
#include <torch/serialize/archive.h>
#include <torch/utils.h>

#include "trellis/sdk/adapter.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/fit_support.hpp"
#include "trellis/sdk/predictor.hpp"

namespace trellis::sdk {

Batch perturbation_batch(const std::vector<const Condition*>& conditions) {
  std::vector<std::int64_t> gene, row;
  std::vector<float> sign;
  for (std::size_t r = 0; r < conditions.size(); ++r) {
    const Condition& c = *conditions[r];
    if (c.gene_indices.size() != c.genes.size())
      throw Error("condition '" + c.name + "' has genes without universe indices");
    const float s = c.type == PerturbationType::activation ? 1.0f
                    : c.type == PerturbationType::unknown  ? 0.0f
                                                           : -1.0f;
    for (std::int64_t g : c.gene_indices) {
      gene.push_back(g);
      row.push_back(static_cast<std::int64_t>(r));
      sign.push_back(s);
    }
  }
  Batch batch;
  const auto n = static_cast<std::int64_t>(gene.size());
  batch.perturbed_gene = at::tensor(gene, at::kLong).reshape({n});
  batch.perturbed_row = at::tensor(row, at::kLong).reshape({n});
  batch.perturbation_sign = at::tensor(sign, at::kFloat).reshape({n});
  return batch;
}

std::vector<at::Tensor> Predictor::sample(const std::vector<Condition>&, std::int64_t, std::uint64_t) { return {}; }

void Predictor::save(const std::string& file) const {
  throw Error("this predictor cannot be saved, so it cannot be reloaded from '" + file + "'");
}

void Predictor::load(const std::string& file, FitContext&) {
  throw Error("this predictor cannot be reloaded from '" + file + "'; run the experiment again");
}

// Structure learners are torch modules: one that the predictor forgot to
// register would never train, so the host's SDK side registers each here.
static void adopt_learners(NeuralPredictor& model, const FitContext& context) {
  for (const auto& [name, learner] : context.structure_learners)
    if (learner) model.adopt(name == "gsl" ? name : "gsl_" + name, learner);
  if (context.structure_learner) model.adopt("gsl", context.structure_learner);
  for (const auto& [slot, adapter] : context.adapters)
    if (adapter) model.adopt("adapter_" + slot, adapter);
}

// Learners that compute their structure from the context's features and
// graphs do so before the predictor sizes itself from their output.
static void prepare_learners(const FitContext& context) {
  for (const auto& [name, learner] : context.structure_learners)
    if (learner) learner->prepare(context);
  if (context.structure_learner && !context.structure_learners.count("gsl")) context.structure_learner->prepare(context);
}

void NeuralPredictor::fit(FitContext& context) {
  controls_ = ControlMeans(context);
  prepare_learners(context);
  prepare_fit(context);
  adopt_learners(*this, context);
  if (!context.trainer) throw Error("no training loop was provided to fit a neural predictor");
  context.trainer->train(*this);
  for (const auto& [slot, adapter] : context.adapters)
    if (adapter) adapter->finish(context);
}

StepOutput NeuralPredictor::training_step(const Batch& batch) { return {loss(forward(batch), batch), {}}; }

std::vector<TrainingStage> NeuralPredictor::stages() const {
  TrainingStage stage;
  stage.batch_mode = batch_mode();
  stage.defaults = training_defaults();
  return {stage};
}

void NeuralPredictor::adopt(const std::string& name, const std::shared_ptr<torch::nn::Module>& module) {
  if (!module) return;
  for (const auto& m : modules(/*include_self=*/false))
    if (m.get() == module.get()) return;
  std::string unique = name;
  for (int i = 2; named_children().contains(unique); ++i) unique = name + "_" + std::to_string(i);
  register_module(unique, module);
}

at::Tensor NeuralPredictor::predict(const std::vector<Condition>& conditions) {
  if (controls_.empty()) throw Error("predict() called before fit()");
  std::vector<const Condition*> rows;
  rows.reserve(conditions.size());
  for (const auto& c : conditions) rows.push_back(&c);
  Batch batch = perturbation_batch(rows);
  const auto n = static_cast<std::int64_t>(conditions.size());
  batch.control = controls_.rows(conditions).contiguous();
  batch.condition.assign(conditions.size(), -1);
  const bool was_training = is_training();
  eval();
  at::Tensor out;
  {
    torch::NoGradGuard no_grad;
    out = forward(batch);
  }
  train(was_training);
  if (out.dim() != 2 || out.size(0) != n || out.size(1) != controls_.genes())
    throw Error("forward() returned shape " + std::to_string(out.dim()) + "-d, expected [" + std::to_string(n) +
                ", " + std::to_string(controls_.genes()) + "]");
  return out.detach();
}

void NeuralPredictor::save(const std::string& file) const {
  torch::serialize::OutputArchive archive;
  torch::nn::Module::save(archive);
  const std::string tmp = file + ".tmp";
  archive.save_to(tmp);
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw Error("cannot write model state '" + file + "': " + ec.message());
  }
}

void NeuralPredictor::load(const std::string& file, FitContext& context) {
  controls_ = ControlMeans(context);
  prepare_learners(context);
  prepare_load(context);
  adopt_learners(*this, context);
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(file);
    torch::nn::Module::load(archive);
  } catch (const c10::Error& e) {
    throw Error("cannot load model state '" + file + "': " + e.what_without_backtrace());
  }
}

}  // namespace trellis::sdk
