// Shared parts of the baselines: fit data, shifted-control sampling, saved state.
#include "baseline.hpp"

#include <filesystem>
#include <sstream>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/serialize/archive.h>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/fit_support.hpp"

namespace trellis::baselines {

using sdk::Error;

const sdk::Screen& screen_of(const sdk::FitContext& context) {
  if (!context.screen) throw Error("fitting needs a screen (the config's [data])");
  return *context.screen;
}

sdk::ControlMeans Baseline::begin_fit(const sdk::FitContext& context) {
  controls_ = sdk::ControlMeans();
  screen_ = &screen_of(context);
  return sdk::ControlMeans(context);
}

void Baseline::require_fitted() const {
  if (controls_.empty()) throw Error("predict() called before fit() or load()");
}

std::vector<at::Tensor> Baseline::sample(const std::vector<sdk::Condition>& conditions,
                                         std::int64_t cells_per_condition, std::uint64_t seed) {
  require_fitted();
  if (cells_per_condition < 1)
    throw Error("sample() needs at least one cell per condition, got " + std::to_string(cells_per_condition));
  if (!screen_) throw Error("sample() draws the screen's control cells; fit() or load() it with a screen");
  const at::Tensor shift = predict(conditions) - controls_.rows(conditions);
  at::Generator generator = at::detail::createCPUGenerator(seed);
  std::vector<at::Tensor> out;
  out.reserve(conditions.size());
  for (std::size_t i = 0; i < conditions.size(); ++i) {
    const at::Tensor control_cells = screen_->cells_of(screen_->control_index(conditions[i].context));
    const std::int64_t n = control_cells.size(0);
    if (n == 0) throw Error("sample() needs control cells, and the screen has none");
    // Without replacement when there are enough control cells, so a small
    // sample does not repeat cells; with replacement only beyond that.
    const at::Tensor pick = cells_per_condition <= n
                                ? at::randperm(n, generator, at::kLong).narrow(0, 0, cells_per_condition)
                                : at::randint(n, {cells_per_condition}, generator, at::kLong);
    const at::Tensor cells = control_cells.index_select(0, pick).contiguous();
    out.push_back(screen_->dense_rows(cells) + shift[static_cast<std::int64_t>(i)].unsqueeze(0));
  }
  return out;
}

void Baseline::save(const std::string& file) const {
  require_fitted();
  torch::serialize::OutputArchive archive;
  archive.write("predictor", c10::IValue(name_));
  // The control means, one row per context (sorted), and their names.
  std::string contexts;
  std::vector<at::Tensor> means;
  for (const auto& [name, mean] : controls_.by_context()) {
    contexts += name + "\n";
    means.push_back(mean);
  }
  archive.write("control_contexts", c10::IValue(contexts));
  archive.write("control_means", c10::IValue(at::stack(means)));
  for (const auto& [key, tensor] : state()) archive.write("state." + key, c10::IValue(tensor.contiguous()));
  // A reader never sees half a file: write beside it, then rename over it.
  const std::string tmp = file + ".tmp";
  try {
    archive.save_to(tmp);
  } catch (const c10::Error& e) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw Error("cannot write model state '" + file + "': " + e.what_without_backtrace());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw Error("cannot write model state '" + file + "': " + ec.message());
  }
}

namespace {

at::Tensor read_tensor(torch::serialize::InputArchive& archive, const std::string& key, const std::string& file,
                       const std::string& who) {
  c10::IValue value;
  if (!archive.try_read(key, value) || !value.isTensor())
    throw Error("model state '" + file + "' has no tensor '" + key +
                "'; it was written by another version; fit the model again");
  return value.toTensor();
}

}  // namespace

void Baseline::load(const std::string& file, sdk::FitContext& context) {
  if (!std::filesystem::is_regular_file(file))
    throw Error("model state '" + file + "' does not exist; fit the model first (trellis run)");
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(file);
  } catch (const c10::Error& e) {
    throw Error("cannot read model state '" + file + "' (not a saved model, or damaged): " +
                e.what_without_backtrace());
  }
  c10::IValue saved_by;
  if (!archive.try_read("predictor", saved_by) || !saved_by.isString())
    throw Error("'" + file + "' is not a saved baseline state");
  if (saved_by.toStringRef() != name_)
    throw Error("'" + file + "' holds the state of " + saved_by.toStringRef() + ", not of " + name_);
  c10::IValue contexts;
  if (!archive.try_read("control_contexts", contexts) || !contexts.isString())
    throw Error("model state '" + file + "' has no control contexts; it was written by another version; fit the "
                "model again");
  const at::Tensor means = read_tensor(archive, "control_means", file, name_).to(at::kFloat);
  std::map<std::string, at::Tensor> by_context;
  std::istringstream names(contexts.toStringRef());
  std::string name;
  for (std::int64_t row = 0; std::getline(names, name); ++row) {
    if (means.dim() != 2 || row >= means.size(0))
      throw Error("model state '" + file + "' has fewer control means than contexts; fit the model again");
    by_context[name] = means[row].contiguous();
  }
  if (means.dim() == 2 && context.screen && means.size(1) != context.screen->num_genes())
    throw Error("model state '" + file + "' has " + std::to_string(means.size(1)) +
                " genes but the screen has " + std::to_string(context.screen->num_genes()) +
                "; load it with the data it was fitted on");
  State loaded;
  for (const std::string& key : state_names()) loaded[key] = read_tensor(archive, "state." + key, file, name_);
  controls_ = sdk::ControlMeans(std::move(by_context));
  screen_ = context.screen;
  try {
    restore(loaded);
  } catch (...) {
    controls_ = sdk::ControlMeans();  // not fitted after a failed load
    throw;
  }
}

}  // namespace trellis::baselines
