#pragma once
// A hand-made screen of fixtures.hpp with its gene table, and fit contexts
// over it, for tests of predictors and training (kept apart from
// fixtures.hpp: FitContext brings in the LibTorch module headers).

#include <cstdint>
#include <utility>
#include <vector>

#include "fixtures.hpp"
#include "trellis/sdk/predictor.hpp"

namespace trellis::test {

/// Not copyable: the screen points at the genes.
struct ScreenFit {
  sdk::GeneTable genes = tiny_genes();
  sdk::Screen screen;
  /// `make` builds the screen over the tiny genes (tiny_screen, two_context_screen).
  explicit ScreenFit(sdk::Screen (*make)(const sdk::GeneTable&) = tiny_screen) : screen(make(genes)) {}
  ScreenFit(const ScreenFit&) = delete;
  ScreenFit& operator=(const ScreenFit&) = delete;
  /// A context over the genes and screen that trains on `train`.
  sdk::FitContext context(std::vector<std::int64_t> train) const {
    sdk::FitContext c;
    c.genes = &genes;
    c.screen = &screen;
    c.train_conditions = std::move(train);
    return c;
  }
};

/// A tensor's values as float, flattened.
inline std::vector<float> values(const at::Tensor& t) {
  const at::Tensor c = t.to(at::kFloat).contiguous();
  return {c.data_ptr<float>(), c.data_ptr<float>() + c.numel()};
}

}  // namespace trellis::test
