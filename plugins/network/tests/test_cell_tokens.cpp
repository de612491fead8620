// scBERT's tokens for network/cell_transformer_gnn: bins, the sequences a
// cell becomes, and the masking, against values worked out by hand.
#include "catch.hpp"

#include <cmath>
#include <set>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "../cell_tokens.hpp"

using namespace trellis;

namespace {
// at::tensor has no bool overload in this LibTorch.
at::Tensor bools(std::vector<std::int64_t> values) { return at::tensor(values, at::kLong).to(at::kBool).view({1, -1}); }
}  // namespace

TEST_CASE("bins are scBERT's truncated values, capped at the top bin", "[network][cell_transformer_gnn]") {
  const at::Tensor x = at::tensor({0.0, 0.5, 1.0, 2.7, 4.99, 5.0, 7.3, -1.0});
  const at::Tensor bins = network::bin_expression(x, 1.0, 5);
  CHECK(at::equal(bins, at::tensor({0, 0, 1, 2, 4, 5, 5, 0}, at::kLong)));
  // Width ln 2 on ln(1 + counts): floor(log2(1 + counts)). Counts 0, 1, 2,
  // 3, 7, 100 -> 0, 1, 1, 2, 3, 6 capped at 5.
  const at::Tensor counts = at::tensor({0.0, 1.0, 2.0, 3.0, 7.0, 100.0});
  const at::Tensor log2_bins = network::bin_expression(at::log1p(counts), std::log(2.0), 5);
  CHECK(at::equal(log2_bins, at::tensor({0, 1, 1, 2, 3, 5}, at::kLong)));
}

TEST_CASE("a cell's sequence holds expressed genes and sampled zeros, padded", "[network][cell_transformer_gnn]") {
  // Row 0: genes 1, 3, 4 expressed; row 1: only gene 5 expressed.
  const at::Tensor binned = at::tensor({0, 2, 0, 1, 5, 0, 0, 0, 0, 0, 0, 3}, at::kLong).view({2, 6});
  at::Generator g = at::detail::createCPUGenerator(3);
  const network::CellTokens t = network::sample_tokens(binned, 2, 2, g);
  REQUIRE(t.genes.sizes() == at::IntArrayRef({2, 4}));
  // Row 0: two of {1, 3, 4} with their bins, then two of {0, 2, 5} at bin 0.
  std::set<std::int64_t> seen;
  for (int k = 0; k < 4; ++k) {
    const std::int64_t gene = t.genes[0][k].item<std::int64_t>();
    CHECK_FALSE(t.padding[0][k].item<bool>());
    CHECK(t.bins[0][k].item<std::int64_t>() == binned[0][gene].item<std::int64_t>());
    CHECK((k < 2 ? binned[0][gene].item<std::int64_t>() > 0 : binned[0][gene].item<std::int64_t>() == 0));
    seen.insert(gene);
  }
  CHECK(seen.size() == 4);
  // Row 1: gene 5, one padding slot, then two zero-bin genes.
  CHECK(t.genes[1][0].item<std::int64_t>() == 5);
  CHECK(t.bins[1][0].item<std::int64_t>() == 3);
  CHECK(t.padding[1][1].item<bool>());
  CHECK_FALSE(t.padding[1][2].item<bool>());
  CHECK(t.bins[1][2].item<std::int64_t>() == 0);
}

TEST_CASE("masking chooses expressed tokens only, at the asked rate", "[network][cell_transformer_gnn]") {
  at::Generator g = at::detail::createCPUGenerator(11);
  network::CellTokens t;
  t.bins = at::tensor({0, 2, 3, 0, 1, 4}, at::kLong).view({1, 6});
  t.genes = at::arange(6, at::kLong).view({1, 6});
  t.padding = bools({0, 0, 0, 0, 0, 1});
  const network::MaskedTokens all = network::mask_tokens(t, 1.0, 1.0, 6, g);
  CHECK(at::equal(all.chosen, bools({0, 1, 1, 0, 1, 0})));
  CHECK(at::equal(all.bins, at::tensor({0, 6, 6, 0, 6, 4}, at::kLong).view({1, 6})));
  const network::MaskedTokens kept = network::mask_tokens(t, 1.0, 0.0, 6, g);
  CHECK(at::equal(kept.bins, t.bins));
  CHECK(kept.chosen.sum().item<std::int64_t>() == 3);
  CHECK(network::mask_tokens(t, 0.0, 1.0, 6, g).chosen.sum().item<std::int64_t>() == 0);

  // 200,000 expressed tokens at 15 %, 90 % of them replaced: the shares
  // land within 4 standard errors (0.0032 and 0.0069).
  network::CellTokens big;
  big.bins = at::ones({200, 1000}, at::kLong);
  big.genes = at::zeros({200, 1000}, at::kLong);
  big.padding = at::zeros({200, 1000}, at::kBool);
  const network::MaskedTokens m = network::mask_tokens(big, 0.15, 0.9, 6, g);
  const double chosen = m.chosen.to(at::kDouble).mean().item<double>();
  const double replaced = (m.bins == 6).sum().item<double>() / m.chosen.sum().item<double>();
  CHECK(std::abs(chosen - 0.15) < 0.0032);
  CHECK(std::abs(replaced - 0.9) < 0.0069);
}
