#pragma once
/// @file dna_model.hpp
/// DNA language models (kind `dnalm`): a torch module that turns DNA tokens
/// (dna_sequence.hpp) into hidden states and masked-base logits. The host
/// trains them (`trellis dna train`), scores variants with them (`trellis dna
/// score`), and encoders embed genes with them. A trained model is one file:
/// a header naming the component, its options and architecture, then the
/// parameters.

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>
#include <torch/nn/module.h>

#include "trellis/sdk/export.hpp"
#include "trellis/sdk/kind.hpp"

namespace trellis::sdk {

class TRELLIS_SDK_API DnaModel : public torch::nn::Module {
 public:
  ~DnaModel() override;
  /// Final hidden states [B, L, D] of tokens [B, L] (int64 DnaToken codes;
  /// kBaseN stands for an unknown or masked base).
  virtual at::Tensor hidden(const at::Tensor& tokens) = 0;
  /// Logits [B, L, 4] over A, C, G, T from hidden states [B, L, D].
  virtual at::Tensor logits(const at::Tensor& hidden) = 0;
  /// D.
  virtual std::int64_t hidden_size() const = 0;
  /// The shape in words, e.g. "gpn_conv layers=12 dim=128 kernel=9
  /// max_dilation=32": saved in model files and compared when loading.
  virtual std::string architecture() const = 0;
};

TRELLIS_SDK_KIND(DnaModel, "dnalm", "A DNA language model: hidden states and masked-base logits over DNA tokens")

/// The version of the model-file layout; a file of another version is refused.
constexpr std::int64_t kDnaModelFormat = 1;

/// What a model file says besides the parameters.
struct TRELLIS_SDK_API DnaModelHeader {
  std::string component;                               ///< e.g. "dnalm/gpn_conv"
  nlohmann::json options = nlohmann::json::object();   ///< the component's options, to rebuild it
  std::string architecture;                            ///< DnaModel::architecture()
  nlohmann::json training = nlohmann::json::object();  ///< how it was trained (window, corpus, figures)
};

/// Writes `model` with `header` to `file` atomically (a temporary, then a rename).
TRELLIS_SDK_API void save_dna_model(const std::string& file, const DnaModelHeader& header, DnaModel& model);
/// The header of a model file. Throws sdk::Error naming the file when it is
/// missing, not a DNA model file, or of another format version.
TRELLIS_SDK_API DnaModelHeader read_dna_model_header(const std::string& file);
/// Loads the parameters of `file` into `model`, built from its header's
/// component and options. Throws sdk::Error naming the file when the
/// architectures differ or a parameter is missing or of another shape.
TRELLIS_SDK_API void load_dna_parameters(const std::string& file, DnaModel& model);

}  // namespace trellis::sdk
