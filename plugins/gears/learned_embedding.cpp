// encoder/learned_embedding: a [universe, dim] table drawn from N(0, 1), the
// initialisation of torch's nn.Embedding, from a generator seeded by the
// run's seed (BuildContext::seed), so a run is reproducible.
//
// An encoder output is a fixed input, so this table is only a starting
// point: a model that wants a trainable table copies it into a parameter it
// registers itself. predictor/gears owns its own tables (gene, positional
// and perturbation embeddings) and does not need this encoder.
// Not cacheable: the table depends on the run's seed, not only on the
// options and the gene table.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "gears.hpp"
#include "trellis/sdk/encoder.hpp"
#include "trellis/sdk/error.hpp"

namespace trellis::gears {

namespace {

class LearnedEmbedding : public sdk::FeatureEncoder {
 public:
  explicit LearnedEmbedding(std::int64_t dim) : dim_(dim) {}

  at::Tensor encode(const sdk::BuildContext& context) override {
    const sdk::GeneTable& genes = context.gene_table();
    at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(context.seed);
    return at::normal(0.0, 1.0, {genes.size(), dim_}, generator, at::TensorOptions().dtype(at::kFloat));
  }

  bool cacheable() const override { return false; }

 private:
  std::int64_t dim_;
};

}  // namespace

sdk::OptionSchema learned_embedding_options() {
  return sdk::OptionSchema{}.add("dim", std::int64_t{64}, "columns of the table (embedding width)").min(1);
}

std::shared_ptr<sdk::FeatureEncoder> make_learned_embedding(const sdk::Options& options) {
  return std::make_shared<LearnedEmbedding>(options.get_int("dim"));
}

}  // namespace trellis::gears
