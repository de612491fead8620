// Predictors that misbehave, for the run command's checks:
// predictor/wrong_shape returns one gene too many, predictor/nan_output
// returns NaN for the second gene, predictor/throws_in_fit throws its
// `message` from fit() without naming itself (the host must).
#include <cmath>
#include <memory>

#include <ATen/ATen.h>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/plugin.hpp"
#include "trellis/sdk/predictor.hpp"

namespace {

using namespace trellis::sdk;

class Misbehaving : public Predictor {
 public:
  explicit Misbehaving(bool nan) : nan_(nan) {}
  void fit(FitContext& context) override { genes_ = context.screen->num_genes(); }
  at::Tensor predict(const std::vector<Condition>& conditions) override {
    const auto n = static_cast<std::int64_t>(conditions.size());
    if (!nan_) return at::zeros({n, genes_ + 1});
    at::Tensor out = at::zeros({n, genes_});
    out.index_put_({0, 1}, std::nan(""));
    return out;
  }

 private:
  bool nan_;
  std::int64_t genes_ = 0;
};

class ThrowsInFit : public Predictor {
 public:
  explicit ThrowsInFit(std::string message) : message_(std::move(message)) {}
  void fit(FitContext&) override { throw Error(message_); }
  at::Tensor predict(const std::vector<Condition>&) override { return {}; }

 private:
  std::string message_;
};

void register_components(Registrar& r) {
  r.add<trellis::sdk::Predictor>("throws_in_fit", "Throws `message` from fit()",
                                 OptionSchema{}.add("message", "fit exploded", "what fit() throws"),
                                 [](const Options& o) { return std::make_shared<ThrowsInFit>(o.get_string("message")); });
  r.add<trellis::sdk::Predictor>("wrong_shape", "Returns one gene too many", OptionSchema{},
                  [](const Options&) { return std::make_shared<Misbehaving>(false); });
  r.add<trellis::sdk::Predictor>("nan_output", "Returns NaN for one gene", OptionSchema{},
                  [](const Options&) { return std::make_shared<Misbehaving>(true); });
}

}  // namespace

TRELLIS_PLUGIN("test_bad_predictor", "0.1.0", "Predictors that return bad predictions", "MIT", register_components)
