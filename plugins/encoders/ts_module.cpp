#include "ts_module.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <sstream>

#include <torch/script.h>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/log.hpp"
#include "trellis/sdk/suggest.hpp"
#include "trellis/sdk/tensor_text.hpp"

namespace trellis::encoders {

namespace {

using sdk::shape_of;

/// First line of a c10::Error's message (the rest is a C++ backtrace).
std::string first_line(const std::string& message) { return message.substr(0, message.find('\n')); }

/// Last non-empty line: after a TorchScript traceback, the error itself.
std::string last_line(std::string message) {
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  const std::size_t newline = message.rfind('\n');
  return newline == std::string::npos ? message : message.substr(newline + 1);
}

constexpr const char* kHowToExport =
    "export the model from Python with torch.jit.trace(model, (input_ids, attention_mask)) or "
    "torch.jit.script(model), then .save('model.pt') (for HuggingFace models load them with torchscript=True)";

// An id beyond the model's embedding table is the usual cause.
constexpr const char* kCheckVocab =
    " (check that the vocabulary is the one the model was trained with, and that its forward takes "
    "(input_ids, attention_mask))";

}  // namespace

Pooling parse_pooling(const std::string& name, const std::string& who) {
  if (name == "cls") return Pooling::cls;
  if (name == "mean") return Pooling::mean;
  throw sdk::Error("option 'pooling' is \"" + name + "\"; use \"cls\" or \"mean\"");
}

struct TorchScriptModel::Impl {
  mutable torch::jit::Module module;
  std::size_t inputs = 2;  // what forward gets: ids; ids, mask; or ids, mask, token types
};

TorchScriptModel::TorchScriptModel(const std::string& path, std::string who)
    : impl_(new Impl), path_(path), who_(std::move(who)) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw sdk::Error("model file '" + path + "' does not exist; set option 'model' to a TorchScript .pt file (" +
                     kHowToExport + ")");
  try {
    impl_->module = torch::jit::load(path, c10::Device(c10::kCPU));
  } catch (const c10::Error& e) {
    throw sdk::Error("'" + path + "' is not a TorchScript module (torch::jit::load: " +
                     first_line(e.what_without_backtrace()) + "); " + kHowToExport);
  }
  const auto forward = impl_->module.find_method("forward");
  if (!forward)
    throw sdk::Error("'" + path +
                     "' is a TorchScript archive without a forward method (e.g. a saved tensor or state dict, "
                     "not a model); " + kHowToExport);
  const auto& arguments = forward->function().getSchema().arguments();
  // arguments[0] is self.
  const std::size_t given = arguments.empty() ? 0 : arguments.size() - 1;
  std::size_t required = 0;
  for (std::size_t a = 1; a < arguments.size(); ++a)
    if (!arguments[a].default_value()) ++required;
  if (given == 0 || required > 3)
    throw sdk::Error("the forward method of '" + path + "' takes " + std::to_string(given) + " inputs (" +
                     std::to_string(required) +
                     " required); expected forward(input_ids, attention_mask), both [batch, length] int64");
  impl_->inputs = given == 1 ? 1 : std::max<std::size_t>(2, required);
  impl_->module.eval();
}

TorchScriptModel::~TorchScriptModel() = default;

at::Tensor TorchScriptModel::embed(const at::Tensor& input_ids, const at::Tensor& attention_mask,
                                   Pooling pooling) const {
  torch::NoGradGuard no_grad;
  const std::int64_t batch = input_ids.size(0);
  const std::int64_t length = input_ids.size(1);
  std::vector<c10::IValue> inputs{input_ids};
  if (impl_->inputs >= 2) inputs.emplace_back(attention_mask);
  if (impl_->inputs >= 3) inputs.emplace_back(at::zeros_like(input_ids));
  c10::IValue output;
  try {
    output = impl_->module.forward(std::move(inputs));
  } catch (const c10::Error& e) {
    throw sdk::Error("the model '" + path_ + "' failed on a batch of input_ids [" + std::to_string(batch) +
                     ", " + std::to_string(length) + "]: " + last_line(e.what_without_backtrace()) + kCheckVocab);
  } catch (const std::exception& e) {  // the TorchScript interpreter rethrows some errors as std::runtime_error
    throw sdk::Error("the model '" + path_ + "' failed on a batch of input_ids [" + std::to_string(batch) +
                     ", " + std::to_string(length) + "]: " + last_line(e.what()) + kCheckVocab);
  }
  const std::string expected = "expected a tensor [B, L, H] = [" + std::to_string(batch) + ", " +
                               std::to_string(length) + ", H] or [B, H] = [" + std::to_string(batch) +
                               ", H] (or a tuple or dict holding one first / as \"last_hidden_state\")";
  if (output.isTuple() && !output.toTupleRef().elements().empty()) {
    output = output.toTupleRef().elements()[0];
  } else if (output.isList() && output.toListRef().size() > 0) {
    output = output.toListRef()[0];
  } else if (output.isGenericDict()) {
    const auto dict = output.toGenericDict();
    c10::IValue found;
    for (const char* key : {"last_hidden_state", "pooler_output"})
      if (!found.isTensor() && dict.contains(key)) found = dict.at(key);
    if (!found.isTensor()) {
      std::vector<std::string> names;
      for (const auto& entry : dict) names.push_back(entry.key().toStringRef());
      const std::string keys = sdk::join(names);
      throw sdk::Error("the model '" + path_ + "' returned a dict with keys {" + keys + "}; " + expected);
    }
    output = found;
  }
  if (!output.isTensor())
    throw sdk::Error("the model '" + path_ + "' returned a " + output.tagKind() + "; " + expected);
  at::Tensor states = output.toTensor();
  if (!states.is_floating_point())
    throw sdk::Error("the model '" + path_ + "' returned a " + std::string(c10::toString(states.scalar_type())) +
                     " tensor " + shape_of(states) + "; " + expected + " of floats");
  states = states.to(at::kFloat);
  if (states.dim() == 2 && states.size(0) == batch) return states.contiguous();
  if (states.dim() != 3 || states.size(0) != batch || states.size(1) != length)
    throw sdk::Error("the model '" + path_ + "' returned a tensor " + shape_of(states) + "; " + expected);
  if (pooling == Pooling::cls) return states.select(1, 0).contiguous();
  const at::Tensor mask = attention_mask.to(at::kFloat).unsqueeze(-1);
  return ((states * mask).sum(1) / mask.sum(1).clamp_min(1.0)).contiguous();
}

at::Tensor embed_genes(const TorchScriptModel& model, const std::vector<std::vector<std::int64_t>>& ids,
                       const std::vector<bool>& present, std::int64_t pad_id, Pooling pooling,
                       std::int64_t batch_size, const std::string& who, const std::string& modality) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const std::int64_t genes = static_cast<std::int64_t>(ids.size());
  std::vector<std::int64_t> order;
  for (std::int64_t g = 0; g < genes; ++g)
    if (present[static_cast<std::size_t>(g)]) order.push_back(g);
  if (order.empty())
    throw sdk::Error("none of the " + std::to_string(genes) + " genes has a " + modality +
                     "; check the gene annotation (data.annotation) or the encoder's input options");
  std::stable_sort(order.begin(), order.end(),
                   [&](std::int64_t a, std::int64_t b) { return ids[a].size() > ids[b].size(); });
  const std::int64_t todo = static_cast<std::int64_t>(order.size());
  const std::int64_t batches = (todo + batch_size - 1) / batch_size;
  const std::int64_t report_every = std::max<std::int64_t>(1, batches / 20);
  sdk::log_info(who + ": embedding " + std::to_string(todo) + " genes in " + std::to_string(batches) +
                (batches == 1 ? " batch" : " batches") + " of up to " + std::to_string(batch_size) + " with '" + model.path() + "'");

  at::Tensor out;
  double last_report = 0.0;
  for (std::int64_t b = 0; b < batches; ++b) {
    const std::int64_t first = b * batch_size;
    const std::int64_t n = std::min(batch_size, todo - first);
    std::int64_t length = 0;
    for (std::int64_t i = 0; i < n; ++i)
      length = std::max<std::int64_t>(length, static_cast<std::int64_t>(ids[order[first + i]].size()));
    at::Tensor input_ids = at::full({n, length}, pad_id, at::kLong);
    at::Tensor mask = at::zeros({n, length}, at::kLong);
    auto id_rows = input_ids.accessor<std::int64_t, 2>();
    auto mask_rows = mask.accessor<std::int64_t, 2>();
    for (std::int64_t i = 0; i < n; ++i) {
      const auto& row = ids[order[first + i]];
      for (std::size_t t = 0; t < row.size(); ++t) {
        id_rows[i][static_cast<std::int64_t>(t)] = row[t];
        mask_rows[i][static_cast<std::int64_t>(t)] = 1;
      }
    }
    const at::Tensor pooled = model.embed(input_ids, mask, pooling);
    if (!out.defined()) out = at::zeros({genes, pooled.size(1)}, at::kFloat);
    else if (pooled.size(1) != out.size(1))
      throw sdk::Error("the model '" + model.path() + "' returned vectors of width " +
                       std::to_string(pooled.size(1)) + " for batch " + std::to_string(b + 1) + " but " +
                       std::to_string(out.size(1)) + " before; the width must not depend on the input");
    out.index_copy_(0, at::tensor(std::vector<std::int64_t>(order.begin() + first, order.begin() + first + n), at::kLong),
                    pooled);
    // Every ~5% of the batches, but not more than once a second: quiet for small models.
    const double elapsed = std::chrono::duration<double>(clock::now() - start).count();
    if ((b + 1) % report_every == 0 && b + 1 < batches && elapsed - last_report >= 1.0) {
      last_report = elapsed;
      char line[160];
      std::snprintf(line, sizeof line, ": batch %lld of %lld (%.0f%%), %.1f s, about %.0f s left",
                    static_cast<long long>(b + 1), static_cast<long long>(batches), 100.0 * (b + 1) / batches, elapsed,
                    elapsed / (b + 1) * (batches - b - 1));
      sdk::log_info(who + line);
    }
  }
  char line[120];
  std::snprintf(line, sizeof line, ": embedded %lld genes (width %lld) in %.2f s", static_cast<long long>(todo),
                static_cast<long long>(out.size(1)), std::chrono::duration<double>(clock::now() - start).count());
  sdk::log_info(who + line);
  return out;
}

}  // namespace trellis::encoders
