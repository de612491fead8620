// dnalm/gpn_conv and encoder/dnalm from the build tree: the dilation
// schedule seen through the receptive field, model files (round trip and
// every refusal), and gene embeddings against the model's own hidden states.
#include <fstream>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>
#include <torch/serialize/archive.h>
#include <torch/utils.h>

#include "catch.hpp"
#include "plugin_support.hpp"
#include "support.hpp"
#include "trellis/sdk/data.hpp"
#include "trellis/sdk/dna_model.hpp"
#include "trellis/sdk/dna_sequence.hpp"
#include "trellis/sdk/encoder.hpp"
#include "trellis/sdk/error.hpp"

using namespace trellis;
using Catch::Contains;
using Catch::Matchers::WithinAbs;
using nlohmann::json;

namespace {

std::shared_ptr<sdk::DnaModel> make_model(const json& options) {
  return test::build_tree_plugins().create<sdk::DnaModel>("gpn_conv", options, "[model]");
}

at::Tensor random_tokens(std::int64_t batch, std::int64_t length, std::uint64_t seed) {
  at::manual_seed(seed);
  return at::randint(4, {batch, length}, at::kLong);
}

sdk::DnaModelHeader header_of(const sdk::DnaModel& model, const json& options) {
  sdk::DnaModelHeader h;
  h.component = "dnalm/gpn_conv";
  h.options = options;
  h.architecture = model.architecture();
  return h;
}

}  // namespace

TEST_CASE("gpn_conv: shapes and the receptive field its dilations give", "[dnalm]") {
  torch::NoGradGuard no_grad;
  auto model = make_model({{"layers", 3}, {"dim", 16}});
  CHECK(model->architecture() == "gpn_conv layers=3 dim=16 kernel=9 max_dilation=32 dilation_cycle=6");
  at::Tensor tokens = random_tokens(2, 100, 1);
  const at::Tensor h = model->hidden(tokens);
  CHECK(h.sizes() == at::IntArrayRef({2, 100, 16}));
  CHECK(model->logits(h).sizes() == at::IntArrayRef({2, 100, 4}));
  // Dilations 1, 2, 4 with kernel 9 reach 4 * (1 + 2 + 4) = 28 positions: a
  // change at position 0 moves positions 0..28 and nothing beyond.
  at::Tensor changed = tokens.clone();
  changed[0][0] = (tokens[0][0].item<std::int64_t>() + 1) % 4;
  const at::Tensor moved = (model->hidden(changed) - h).abs().sum(2)[0];
  CHECK(moved[28].item<float>() > 1e-6F);
  CHECK(moved.narrow(0, 29, 71).max().item<float>() == 0.0F);
  CHECK((model->hidden(changed) - h)[1].abs().max().item<float>() == 0.0F);
  // Dilation min(max_dilation, 2^(i mod cycle)): with max_dilation 1 every
  // layer has dilation 1, reach 3 * 4 = 12.
  auto narrow = make_model({{"layers", 3}, {"dim", 16}, {"max_dilation", 1}});
  const at::Tensor narrow_moved = (narrow->hidden(changed) - narrow->hidden(tokens)).abs().sum(2)[0];
  CHECK(narrow_moved[12].item<float>() > 1e-6F);
  CHECK(narrow_moved.narrow(0, 13, 87).max().item<float>() == 0.0F);
  CHECK_THROWS_WITH(make_model({{"kernel", 8}}), Contains("option 'kernel' must be odd"));
}

TEST_CASE("DNA model files: round trip, and files from another architecture or version refused", "[dnalm]") {
  torch::NoGradGuard no_grad;
  test::TempDir dir;
  const json options{{"layers", 2}, {"dim", 8}};
  auto model = make_model(options);
  const std::string file = (dir.path() / "model.pt").string();
  sdk::save_dna_model(file, header_of(*model, options), *model);
  const auto header = sdk::read_dna_model_header(file);
  CHECK(header.component == "dnalm/gpn_conv");
  CHECK(header.options == options);
  at::manual_seed(99);  // a differently initialised copy, then loaded
  auto copy = make_model(options);
  const at::Tensor tokens = random_tokens(1, 50, 3);
  CHECK_FALSE(copy->hidden(tokens).equal(model->hidden(tokens)));
  sdk::load_dna_parameters(file, *copy);
  CHECK(copy->hidden(tokens).equal(model->hidden(tokens)));

  auto wider = make_model({{"layers", 2}, {"dim", 12}});
  CHECK_THROWS_WITH(sdk::load_dna_parameters(file, *wider),
                    Contains("holds a model of another architecture ('gpn_conv layers=2 dim=8"));
  // Another format version.
  torch::serialize::OutputArchive archive;
  archive.write("magic", c10::IValue(std::string("trellis DNA language model")));
  archive.write("format", c10::IValue(std::int64_t{2}));
  const std::string future = (dir.path() / "future.pt").string();
  archive.save_to(future);
  CHECK_THROWS_WITH(sdk::read_dna_model_header(future),
                    Contains("has format version 2, this Trellis reads version 1"));
  // Not a model at all: a predictor's torch archive, and a text file.
  torch::serialize::OutputArchive other;
  other.write("weights", at::ones({2}));
  const std::string not_model = (dir.path() / "other.pt").string();
  other.save_to(not_model);
  CHECK_THROWS_WITH(sdk::read_dna_model_header(not_model), Contains("is not a Trellis DNA language model file"));
  std::ofstream((dir.path() / "text.pt").string()) << "hello";
  CHECK_THROWS_WITH(sdk::read_dna_model_header((dir.path() / "text.pt").string()),
                    Contains("cannot read the DNA model file"));
  CHECK_THROWS_WITH(sdk::read_dna_model_header((dir.path() / "absent.pt").string()),
                    Contains("does not exist; train one with `trellis dna train"));
}

TEST_CASE("encoder/dnalm: mean hidden state over both strands and a gene's sequences", "[dnalm]") {
  torch::NoGradGuard no_grad;
  test::TempDir dir;
  const json options{{"layers", 2}, {"dim", 8}};
  auto model = make_model(options);
  const std::string file = (dir.path() / "model.pt").string();
  sdk::save_dna_model(file, header_of(*model, options), *model);
  // G0 has two promoters of different lengths, G1 one, G2 none.
  const auto sequences = dir.write("promoters.tsv", "id\tsequence\nG0_1\tACGTTGCA\nG0_2\tGGGCCCAAT\nG1_1\tTTTTACGA\n");
  sdk::GeneTable genes;
  for (const char* s : {"G0", "G1", "G2"}) {
    sdk::Gene g;
    g.symbol = s;
    genes.add(g);
  }
  sdk::BuildContext context;
  context.genes = &genes;
  auto encoder = test::build_tree_plugins().create<sdk::FeatureEncoder>(
      "dnalm", {{"model", file}, {"sequences_file", sequences.string()}}, "[model.encoders.dna]");
  CHECK_FALSE(encoder->cacheable());
  const at::Tensor out = encoder->encode(context);
  REQUIRE(out.sizes() == at::IntArrayRef({3, 9}));
  // By hand: one sequence at a time, forward and reverse-complement text.
  const auto embed = [&](const std::string& s) {
    const at::Tensor f = model->hidden(sdk::dna_tokens(s).unsqueeze(0)).mean(1)[0];
    const at::Tensor r = model->hidden(sdk::dna_tokens(sdk::reverse_complement(s)).unsqueeze(0)).mean(1)[0];
    return (f + r) / 2;
  };
  const at::Tensor g0 = (embed("ACGTTGCA") + embed("GGGCCCAAT")) / 2;
  CHECK(at::allclose(out[0].narrow(0, 0, 8), g0, 1e-5, 1e-6));
  CHECK(at::allclose(out[1].narrow(0, 0, 8), embed("TTTTACGA"), 1e-5, 1e-6));
  CHECK(out[2].narrow(0, 0, 8).abs().max().item<float>() == 0.0F);
  CHECK(out.select(1, 8).equal(at::tensor({0.0F, 0.0F, 1.0F})));

  auto missing = test::build_tree_plugins().create<sdk::FeatureEncoder>(
      "dnalm", {{"model", (dir.path() / "none.pt").string()}}, "[model.encoders.dna]");
  CHECK_THROWS_WITH(missing->encode(context), Contains("none.pt' does not exist"));
}
