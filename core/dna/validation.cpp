#include "trellis/dna/validation.hpp"

#include <algorithm>
#include <numeric>
#include <random>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>
#include <torch/utils.h>

#include "trellis/sdk/dna_sequence.hpp"

namespace trellis::core::dna {

ValidationSet make_validation_set(const Windows& windows, bool both_strands, const MaskSettings& mask,
                                  std::uint64_t seed, std::int64_t max_windows, const ContextCounts& counts) {
  std::vector<std::int64_t> order(static_cast<std::size_t>(windows.size()));
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  if (static_cast<std::int64_t>(order.size()) > max_windows) order.resize(static_cast<std::size_t>(max_windows));
  std::sort(order.begin(), order.end());
  // Unweighted: perplexity counts every held-out base alike.
  const WindowTokens all = tokenize(windows, 1.0);
  at::Tensor items = at::tensor(order, at::kLong);
  if (both_strands) items = at::cat({items, items + windows.size()});

  ValidationSet set;
  set.rows = select_items(all, items);
  set.masked = mask_tokens(set.rows.tokens, mask, at::make_generator<at::CPUGeneratorImpl>(seed));
  const at::Tensor chosen = set.masked.chosen.nonzero();
  set.positions = chosen.size(0);
  const auto tokens = set.rows.tokens.accessor<std::int64_t, 2>();
  const auto where = chosen.accessor<std::int64_t, 2>();
  const std::int64_t length = set.rows.tokens.size(1);
  double unigram = 0, context = 0;
  for (std::int64_t k = 0; k < set.positions; ++k) {
    const std::int64_t r = where[k][0], i = where[k][1];
    const std::int64_t base = tokens[r][i];
    const std::int64_t left = i > 0 ? tokens[r][i - 1] : sdk::kBaseN;
    const std::int64_t right = i + 1 < length ? tokens[r][i + 1] : sdk::kBaseN;
    unigram -= counts.unigram_log_prob(base);
    context -= counts.context_log_prob(left, base, right);
  }
  set.unigram_nll = set.positions > 0 ? unigram / static_cast<double>(set.positions) : 0;
  set.context_nll = set.positions > 0 ? context / static_cast<double>(set.positions) : 0;
  return set;
}

ValidationScore score_validation(sdk::DnaModel& model, const ValidationSet& set, std::int64_t batch_size) {
  torch::NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  double nll = 0, right = 0;
  std::int64_t positions = 0;
  const std::int64_t rows = set.rows.tokens.size(0);
  for (std::int64_t start = 0; start < rows; start += batch_size) {
    const std::int64_t n = std::min(batch_size, rows - start);
    const at::Tensor tokens = set.rows.tokens.narrow(0, start, n);
    const MaskedTokens masked{set.masked.input.narrow(0, start, n), set.masked.chosen.narrow(0, start, n)};
    const MaskedLoss part = masked_loss(model, tokens, masked, at::ones_like(tokens, at::kFloat));
    nll += part.loss.item<double>() * static_cast<double>(part.positions);
    right += part.accuracy * static_cast<double>(part.positions);
    positions += part.positions;
  }
  model.train(was_training);
  return {positions > 0 ? nll / static_cast<double>(positions) : 0.0,
          positions > 0 ? right / static_cast<double>(positions) : 0.0};
}

}  // namespace trellis::core::dna
