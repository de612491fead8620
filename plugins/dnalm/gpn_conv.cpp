// dnalm/gpn_conv. Tokens become one-hot vectors padded with zeros to `dim`
// channels (GPN's OneHotEmbedding). Each of `layers` blocks is
//   x += LN(GELU(Conv1d_dilated(x)))   kernel `kernel`, same padding,
//   x += LN(GELU(Linear(x)))           dilation min(max_dilation, 2^(i mod dilation_cycle)),
// and the masked-base head is Linear -> GELU -> LN -> Linear to A, C, G, T.
// GPN's reference is 25 layers x 512; the defaults are sized for 2 cores.
#include "gpn_conv.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <torch/nn/functional/activation.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include "trellis/sdk/dna_sequence.hpp"

namespace trellis::dnalm {

namespace {

namespace F = torch::nn::functional;

class GpnConv : public sdk::DnaModel {
 public:
  explicit GpnConv(const sdk::Options& options)
      : layers_(options.get_int("layers")),
        dim_(options.get_int("dim")),
        kernel_(options.get_int("kernel")),
        max_dilation_(options.get_int("max_dilation")),
        dilation_cycle_(options.get_int("dilation_cycle")) {
    for (std::int64_t i = 0; i < layers_; ++i) {
      const std::int64_t dilation = std::min<std::int64_t>(max_dilation_, std::int64_t{1} << (i % dilation_cycle_));
      convs_->push_back(torch::nn::Conv1d(
          torch::nn::Conv1dOptions(dim_, dim_, kernel_).dilation(dilation).padding(torch::kSame)));
      conv_norms_->push_back(torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim_})));
      linears_->push_back(torch::nn::Linear(dim_, dim_));
      linear_norms_->push_back(torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim_})));
    }
    register_module("convs", convs_);
    register_module("conv_norms", conv_norms_);
    register_module("linears", linears_);
    register_module("linear_norms", linear_norms_);
    head_hidden_ = register_module("head_hidden", torch::nn::Linear(dim_, dim_));
    head_norm_ = register_module("head_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim_})));
    head_out_ = register_module("head_out", torch::nn::Linear(dim_, 4));
  }

  at::Tensor hidden(const at::Tensor& tokens) override {
    // [B, L] -> one-hot [B, L, 5] zero-padded to [B, L, dim].
    at::Tensor x = F::pad(at::one_hot(tokens, sdk::kDnaTokens).to(at::kFloat),
                          F::PadFuncOptions({0, dim_ - sdk::kDnaTokens}));
    for (std::int64_t i = 0; i < layers_; ++i) {
      const at::Tensor conv = convs_[static_cast<std::size_t>(i)]->as<torch::nn::Conv1d>()->forward(x.transpose(1, 2));
      x = x + conv_norms_[static_cast<std::size_t>(i)]->as<torch::nn::LayerNorm>()->forward(
                  at::gelu(conv.transpose(1, 2)));
      x = x + linear_norms_[static_cast<std::size_t>(i)]->as<torch::nn::LayerNorm>()->forward(
                  at::gelu(linears_[static_cast<std::size_t>(i)]->as<torch::nn::Linear>()->forward(x)));
    }
    return x;
  }

  at::Tensor logits(const at::Tensor& hidden) override {
    return head_out_->forward(head_norm_->forward(at::gelu(head_hidden_->forward(hidden))));
  }

  std::int64_t hidden_size() const override { return dim_; }

  std::string architecture() const override {
    return "gpn_conv layers=" + std::to_string(layers_) + " dim=" + std::to_string(dim_) +
           " kernel=" + std::to_string(kernel_) + " max_dilation=" + std::to_string(max_dilation_) +
           " dilation_cycle=" + std::to_string(dilation_cycle_);
  }

 private:
  std::int64_t layers_, dim_, kernel_, max_dilation_, dilation_cycle_;
  torch::nn::ModuleList convs_, conv_norms_, linears_, linear_norms_;
  torch::nn::Linear head_hidden_{nullptr}, head_out_{nullptr};
  torch::nn::LayerNorm head_norm_{nullptr};
};

}  // namespace

sdk::OptionSchema gpn_conv_options() {
  sdk::OptionSchema s;
  s.add("layers", std::int64_t{12}, "convolutional blocks (GPN: 25)").min(1);
  s.add("dim", std::int64_t{128}, "hidden channels (GPN: 512); at least 5, the one-hot width").min(5);
  s.add("kernel", std::int64_t{9}, "convolution width (odd, so padding keeps the position)").min(1);
  s.add("max_dilation", std::int64_t{32}, "the largest dilation").min(1);
  s.add("dilation_cycle", std::int64_t{6}, "block i dilates by min(max_dilation, 2^(i mod dilation_cycle))").min(1);
  return s;
}

std::shared_ptr<sdk::DnaModel> make_gpn_conv(const sdk::Options& options) {
  if (options.get_int("kernel") % 2 == 0)
    throw options.invalid("kernel", "must be odd so that the output at a position is centred on it");
  return std::make_shared<GpnConv>(options);
}

}  // namespace trellis::dnalm
