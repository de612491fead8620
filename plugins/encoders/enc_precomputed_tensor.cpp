// Tensor files for encoder/precomputed. Kept apart: the serialization
// headers are among LibTorch's slowest to compile.
#include <fstream>
#include <iterator>
#include <vector>

#include <torch/csrc/api/include/torch/serialize.h>
#include <torch/csrc/jit/serialization/pickle.h>

#include "enc_precomputed.hpp"
#include "trellis/sdk/error.hpp"

namespace trellis::encoders {

namespace {
std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }
}  // namespace

at::Tensor load_tensor_file(const std::string& path, const std::string& who) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw sdk::Error("cannot open tensor file '" + path + "'");
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string pickle_error;
  // torch.save (Python) and torch::pickle_save write a pickled object;
  // torch::save (C++) writes a TorchScript archive, which pickle_load refuses.
  try {
    const c10::IValue value = torch::pickle_load(bytes);
    if (value.isTensor()) return value.toTensor();
    throw sdk::Error("'" + path + "' holds a " + value.tagKind() +
                     ", not a tensor; save the embedding matrix itself, e.g. torch.save(embeddings, path)");
  } catch (const c10::Error& e) {
    pickle_error = first_line(e.what_without_backtrace());
  }
  try {
    at::Tensor tensor;
    torch::load(tensor, path);
    return tensor;
  } catch (const c10::Error& e) {
    throw sdk::Error("cannot read '" + path + "' as a tensor saved with torch.save (Python) or "
                     "torch::save / torch::pickle_save (C++): " + pickle_error + "; " +
                     first_line(e.what_without_backtrace()) + ". Or write the embeddings as a TSV instead");
  }
}

}  // namespace trellis::encoders
