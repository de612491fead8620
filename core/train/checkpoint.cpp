// Checkpoints as torch archives. Parameters are stored by position with their
// qualified names in one string (archive keys must not contain dots), so a
// mismatch is reported by name rather than silently reshaping a tensor.
#include <sstream>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/optim/optimizer.h>
#include <torch/serialize/archive.h>
#include <torch/utils.h>

#include "checkpoint.hpp"
#include "trellis/sdk/error.hpp"
#include "trellis/sdk/predictor.hpp"

namespace trellis::core::train {

namespace {

struct Named {
  std::vector<std::string> names;
  std::vector<at::Tensor> tensors;
};

Named named_state(sdk::NeuralPredictor& model) {
  Named out;
  for (const auto& p : model.named_parameters(true)) {
    out.names.push_back(p.key());
    out.tensors.push_back(p.value());
  }
  for (const auto& b : model.named_buffers(true)) {
    out.names.push_back(b.key());
    out.tensors.push_back(b.value());
  }
  return out;
}

std::string join_lines(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += s + "\n";
  return out;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string shape(const at::Tensor& t) {
  std::string out = "[";
  for (std::int64_t d = 0; d < t.dim(); ++d) out += (d ? ", " : "") + std::to_string(t.size(d));
  return out + "]";
}

at::Tensor history_tensor(const std::vector<double>& values) {
  return at::tensor(values, at::kDouble).reshape({static_cast<std::int64_t>(values.size())});
}

std::vector<double> history_values(const at::Tensor& t) {
  const at::Tensor c = t.to(at::kDouble).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

// The torch CPU generator drives dropout and other random layers; it is part
// of the state so a resumed run draws what the uninterrupted one would.
at::Tensor torch_rng_state() {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  return gen.get_state();
}

void set_torch_rng_state(const at::Tensor& state) {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(state);
}

// Module::save's layout: a module's own parameters and buffers by name, then
// one nested archive per child. Visited in named_parameters' (pre-)order.
void read_module(torch::serialize::InputArchive& archive, torch::nn::Module& module, const std::string& prefix,
                 std::vector<at::Tensor>& params, std::vector<at::Tensor>& buffers) {
  for (const auto& p : module.named_parameters(false)) {
    at::Tensor t;
    if (!archive.try_read(p.key(), t))
      throw sdk::Error("it has no parameter '" + prefix + p.key() + "'");
    params.push_back(t);
  }
  for (const auto& b : module.named_buffers(false)) {
    at::Tensor t;
    if (!archive.try_read(b.key(), t, true)) throw sdk::Error("it has no buffer '" + prefix + b.key() + "'");
    buffers.push_back(t);
  }
  for (const auto& child : module.named_children()) {
    torch::serialize::InputArchive nested;
    if (!archive.try_read(child.key(), nested)) throw sdk::Error("it has no module '" + prefix + child.key() + "'");
    read_module(nested, *child.value(), prefix + child.key() + ".", params, buffers);
  }
}

void check_and_copy(const Named& model, const std::vector<std::string>& names, const std::vector<at::Tensor>& saved,
                    const std::string& file) {
  for (std::size_t i = 0; i < model.names.size(); ++i) {
    const std::string& name = model.names[i];
    if (i >= names.size() || names[i] != name)
      throw sdk::Error("checkpoint '" + file + "' does not match the model: the model's parameter '" + name +
                       "' is " + (i < names.size() ? "'" + names[i] + "' in the checkpoint" : "missing from it") +
                       "; it was written by a different model or config (delete it or drop --resume)");
    if (!saved[i].sizes().equals(model.tensors[i].sizes()))
      throw sdk::Error("checkpoint '" + file + "' does not match the model: parameter '" + name + "' has shape " +
                       shape(saved[i]) + " there but " + shape(model.tensors[i]) +
                       " in the model; it was written by a different model or config (delete it or drop --resume)");
  }
  if (names.size() > model.names.size())
    throw sdk::Error("checkpoint '" + file + "' does not match the model: it has parameter '" +
                     names[model.names.size()] + "' that the model lacks (delete it or drop --resume)");
  torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < model.names.size(); ++i) model.tensors[i].copy_(saved[i]);
}

}  // namespace

std::vector<at::Tensor> snapshot(sdk::NeuralPredictor& model) {
  std::vector<at::Tensor> out;
  for (const auto& t : named_state(model).tensors) out.push_back(t.detach().clone());
  return out;
}

void restore(sdk::NeuralPredictor& model, const std::vector<at::Tensor>& state) {
  const Named current = named_state(model);
  if (current.tensors.size() != state.size())
    throw sdk::Error("internal error: a parameter snapshot does not match the model");
  torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < state.size(); ++i) current.tensors[i].copy_(state[i]);
}

void save_checkpoint(const std::filesystem::path& file, sdk::NeuralPredictor& model,
                     torch::optim::Optimizer& optimizer, const TrainState& state) {
  torch::serialize::OutputArchive archive;
  const Named named = named_state(model);
  archive.write("names", c10::IValue(join_lines(named.names)));
  for (std::size_t i = 0; i < named.tensors.size(); ++i)
    archive.write("t" + std::to_string(i), named.tensors[i].detach(), true);
  torch::serialize::OutputArchive optim(archive.compilation_unit());
  optimizer.save(optim);
  archive.write("optimizer", optim);
  archive.write("epoch", c10::IValue(state.epoch));
  archive.write("best_epoch", c10::IValue(state.best_epoch));
  archive.write("best_score", c10::IValue(state.best_score));
  archive.write("since_best", c10::IValue(state.since_best));
  archive.write("rng", c10::IValue(state.rng));
  archive.write("torch_rng", torch_rng_state(), true);
  archive.write("train_loss", history_tensor(state.train_loss), true);
  archive.write("val_score", history_tensor(state.val_score), true);
  archive.write("finished", c10::IValue(state.finished));
  std::vector<std::string> scalar_names;
  for (const auto& [name, values] : state.scalars) {
    archive.write("scalar" + std::to_string(scalar_names.size()), history_tensor(values), true);
    scalar_names.push_back(name);
  }
  archive.write("scalar_names", c10::IValue(join_lines(scalar_names)));

  const std::filesystem::path tmp = file.string() + ".tmp";
  std::error_code ec;
  try {
    archive.save_to(tmp.string());
  } catch (const c10::Error& e) {
    std::filesystem::remove(tmp, ec);
    throw sdk::Error("cannot write checkpoint '" + file.string() + "': " + e.what_without_backtrace());
  }
  std::filesystem::rename(tmp, file, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw sdk::Error("cannot write checkpoint '" + file.string() + "': " + ec.message());
  }
}

TrainState load_checkpoint(const std::filesystem::path& file, sdk::NeuralPredictor& model,
                           torch::optim::Optimizer& optimizer) {
  if (!std::filesystem::exists(file))
    throw sdk::Error("cannot resume: there is no checkpoint '" + file.string() +
                     "' (run without --resume to start afresh)");
  TrainState state;
  torch::serialize::InputArchive archive;
  std::vector<std::string> names;
  std::vector<at::Tensor> saved;
  at::Tensor torch_rng, train_loss, val_score;
  try {
    archive.load_from(file.string());
    c10::IValue v;
    archive.read("names", v);
    names = split_lines(v.toStringRef());
    for (std::size_t i = 0; i < names.size(); ++i) {
      at::Tensor t;
      archive.read("t" + std::to_string(i), t, true);
      saved.push_back(t);
    }
    archive.read("epoch", v);
    state.epoch = v.toInt();
    archive.read("best_epoch", v);
    state.best_epoch = v.toInt();
    archive.read("best_score", v);
    state.best_score = v.toDouble();
    archive.read("since_best", v);
    state.since_best = v.toInt();
    archive.read("rng", v);
    state.rng = v.toStringRef();
    archive.read("torch_rng", torch_rng, true);
    archive.read("train_loss", train_loss, true);
    archive.read("val_score", val_score, true);
    archive.read("finished", v);
    state.finished = v.toBool();
    archive.read("scalar_names", v);
    const std::vector<std::string> scalar_names = split_lines(v.toStringRef());
    for (std::size_t i = 0; i < scalar_names.size(); ++i) {
      at::Tensor t;
      archive.read("scalar" + std::to_string(i), t, true);
      state.scalars[scalar_names[i]] = history_values(t);
    }
  } catch (const c10::Error& e) {
    throw sdk::Error("cannot read checkpoint '" + file.string() + "': " + e.what_without_backtrace());
  }
  check_and_copy(named_state(model), names, saved, file.string());
  try {
    torch::serialize::InputArchive optim;
    archive.read("optimizer", optim);
    optimizer.load(optim);
  } catch (const c10::Error& e) {
    throw sdk::Error("cannot restore the optimiser from checkpoint '" + file.string() +
                     "': " + e.what_without_backtrace());
  }
  set_torch_rng_state(torch_rng);
  state.train_loss = history_values(train_loss);
  state.val_score = history_values(val_score);
  return state;
}

std::vector<at::Tensor> read_saved_state(const std::filesystem::path& file, sdk::NeuralPredictor& model) {
  if (!std::filesystem::exists(file))
    throw sdk::Error("cannot resume: the best parameters '" + file.string() +
                     "' are missing beside last.pt (run without --resume to start afresh)");
  std::vector<at::Tensor> params, buffers;
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(file.string());
    read_module(archive, model, "", params, buffers);
  } catch (const c10::Error& e) {
    throw sdk::Error("cannot read '" + file.string() + "': " + e.what_without_backtrace());
  } catch (const sdk::Error& e) {
    throw sdk::Error("'" + file.string() + "' does not match the model: " + e.what());
  }
  const std::vector<at::Tensor> current = snapshot(model);
  params.insert(params.end(), buffers.begin(), buffers.end());
  if (params.size() != current.size()) throw sdk::Error("'" + file.string() + "' does not match the model");
  for (std::size_t i = 0; i < params.size(); ++i)
    if (!params[i].sizes().equals(current[i].sizes()))
      throw sdk::Error("'" + file.string() + "' does not match the model: a parameter has shape " +
                       shape(params[i]) + " there but " + shape(current[i]) + " in the model");
  return params;
}

}  // namespace trellis::core::train
