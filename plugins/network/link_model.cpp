#include "link_model.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include <ATen/ATen.h>
#include <torch/nn/functional/loss.h>
#include <torch/optim/adam.h>
#include <torch/utils.h>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/log.hpp"
#include "trellis/sdk/stats.hpp"

namespace trellis::network {

LinkModelImpl::LinkModelImpl(std::int64_t in, const LinkSettings& s) {
  encoder_ = register_module("encoder", sdk::nn::GraphEncoder(s.encoder, in, s.hidden, s.layers));
  if (s.decoder == "bilinear") {
    // torch::nn::Bilinear's initialisation, without its backward pass, which
    // materialises [pairs, hidden, hidden] (1 GB for 40,000 pairs).
    const double bound = 1.0 / std::sqrt(static_cast<double>(s.hidden));
    bilinear_weight_ = register_parameter("decoder_weight", at::empty({s.hidden, s.hidden}).uniform_(-bound, bound));
    bilinear_bias_ = register_parameter("decoder_bias", at::empty({1}).uniform_(-bound, bound));
  } else if (s.decoder == "mlp") {
    sdk::nn::MLPOptions o({2 * s.hidden, s.hidden, 1});
    o.batch_norm = false;
    mlp_ = register_module("decoder", sdk::nn::MLP(o));
  } else {
    throw sdk::Error("decoder = '" + s.decoder + "' is not one of bilinear, mlp");
  }
}

at::Tensor LinkModelImpl::embed(const at::Tensor& x, const at::Tensor& edges) {
  return encoder_->forward(x, edges, {}, nullptr);
}

at::Tensor LinkModelImpl::score(const at::Tensor& z, const at::Tensor& from, const at::Tensor& to) {
  const at::Tensor a = z.index_select(0, from), b = z.index_select(0, to);
  if (bilinear_weight_.defined()) return (a.matmul(bilinear_weight_) * b).sum(1) + bilinear_bias_;
  return mlp_->forward(at::cat({a, b}, 1)).squeeze(1);
}

namespace {

at::Tensor pair_keys(const at::Tensor& from, const at::Tensor& to, std::int64_t nodes) { return from * nodes + to; }

void log_epoch(const std::string& who, const char* what, std::int64_t epoch, std::int64_t epochs, double loss) {
  char line[200];
  std::snprintf(line, sizeof line, "%s: %s epoch %lld/%lld, loss %.4f", who.c_str(), what,
                static_cast<long long>(epoch), static_cast<long long>(epochs), loss);
  sdk::log_info(line);
}

std::vector<double> to_doubles(const at::Tensor& t) {
  const at::Tensor c = t.to(at::kDouble).contiguous();
  return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

std::vector<int> to_ints(const at::Tensor& t) {
  const at::Tensor c = t.to(at::kInt).contiguous();
  return {c.data_ptr<int>(), c.data_ptr<int>() + c.numel()};
}

}  // namespace

void train_on_prior(LinkModel& model, const at::Tensor& x, const at::Tensor& edges, const NodePairs& positives,
                    const at::Tensor& regulators, const LinkSettings& s, at::Generator& generator,
                    const std::string& who) {
  const std::int64_t nodes = x.size(0), p = positives.from.size(0);
  const at::Tensor positive_keys = pair_keys(positives.from, positives.to, nodes);
  torch::optim::Adam optimiser(model->parameters(), torch::optim::AdamOptions(s.learning_rate));
  model->train();
  const std::int64_t report = std::max<std::int64_t>(1, s.epochs / 5);
  for (std::int64_t epoch = 1; epoch <= s.epochs; ++epoch) {
    const std::int64_t drawn = p * s.negatives;
    at::Tensor from = regulators.index_select(0, at::randint(regulators.size(0), {drawn}, generator, at::kLong));
    at::Tensor to = at::randint(nodes, {drawn}, generator, at::kLong);
    const at::Tensor keep = at::logical_and(from != to, at::logical_not(at::isin(pair_keys(from, to, nodes), positive_keys)));
    from = from.masked_select(keep);
    to = to.masked_select(keep);
    const at::Tensor z = model->embed(x, edges);
    const at::Tensor logits = at::cat({model->score(z, positives.from, positives.to), model->score(z, from, to)});
    const at::Tensor labels = at::cat({at::ones({p}), at::zeros({from.size(0)})});
    const at::Tensor loss = torch::nn::functional::binary_cross_entropy_with_logits(logits, labels);
    optimiser.zero_grad();
    loss.backward();
    optimiser.step();
    if (epoch % report == 0) log_epoch(who, "link decoder on the prior's edges,", epoch, s.epochs, loss.item<double>());
  }
}

void train_on_labels(LinkModel& model, const at::Tensor& x, const at::Tensor& edges, const NodePairs& train,
                     const NodePairs& validation, const LinkSettings& s, const std::string& who) {
  torch::optim::Adam optimiser(model->parameters(), torch::optim::AdamOptions(s.learning_rate));
  const bool can_validate = validation.label.defined() && validation.label.numel() > 0 &&
                            validation.label.max().item<double>() == 1 && validation.label.min().item<double>() == 0;
  const std::vector<int> validation_labels = can_validate ? to_ints(validation.label) : std::vector<int>{};
  std::vector<at::Tensor> best;
  double best_ap = -1;
  std::int64_t best_epoch = 0;
  const std::int64_t report = std::max<std::int64_t>(1, s.epochs / 5);
  for (std::int64_t epoch = 1; epoch <= s.epochs; ++epoch) {
    model->train();
    const at::Tensor z = model->embed(x, edges);
    const at::Tensor loss =
        torch::nn::functional::binary_cross_entropy_with_logits(model->score(z, train.from, train.to), train.label);
    optimiser.zero_grad();
    loss.backward();
    optimiser.step();
    if (epoch % report == 0) log_epoch(who, "link decoder on the training truth pairs,", epoch, s.epochs, loss.item<double>());
    if (!can_validate || (epoch % s.validate_every != 0 && epoch != s.epochs)) continue;
    const double ap = sdk::average_precision(to_doubles(predict_pairs(model, x, edges, validation)), validation_labels);
    if (ap > best_ap) {
      best_ap = ap;
      best_epoch = epoch;
      best.clear();
      for (const auto& parameter : model->parameters()) best.push_back(parameter.detach().clone());
    }
  }
  if (best.empty()) return;
  torch::NoGradGuard no_grad;
  const auto parameters = model->parameters();
  for (std::size_t i = 0; i < parameters.size(); ++i) parameters[i].copy_(best[i]);
  char line[200];
  std::snprintf(line, sizeof line, "%s: kept epoch %lld, validation average precision %.4f", who.c_str(),
                static_cast<long long>(best_epoch), best_ap);
  sdk::log_info(line);
}

at::Tensor predict_pairs(LinkModel& model, const at::Tensor& x, const at::Tensor& edges, const NodePairs& pairs) {
  model->eval();
  torch::NoGradGuard no_grad;
  const at::Tensor z = model->embed(x, edges);
  // In blocks: every pair of 2,000 genes gathers 4 million embedding rows
  // per side, 1 GB each at width 64.
  constexpr std::int64_t block = 1 << 18;
  const std::int64_t n = pairs.from.size(0);
  at::Tensor scores = at::empty({n}, at::kDouble);
  for (std::int64_t start = 0; start < n; start += block) {
    const std::int64_t size = std::min(block, n - start);
    // In double: float32 sigmoids saturate at 1 from a logit of ~17, tying
    // the most confident pairs; networks are scored by |score|, so no logits.
    scores.narrow(0, start, size)
        .copy_(at::sigmoid(model->score(z, pairs.from.narrow(0, start, size), pairs.to.narrow(0, start, size))
                               .to(at::kDouble)));
  }
  return scores;
}

}  // namespace trellis::network
