// Mini-batches from the training conditions: cell pairs or condition means.
#include <algorithm>
#include <cstring>
#include <numeric>

#include <ATen/ATen.h>

#include "trellis/sdk/error.hpp"
#include "trellis/sdk/fit_support.hpp"
#include "trellis/train/batches.hpp"

namespace trellis::core::train {

namespace {

// Fisher-Yates with the standard library's distribution: the same sequence on
// every run of the same build (std::shuffle's algorithm is unspecified).
template <typename T>
void shuffle(std::vector<T>& items, std::mt19937_64& rng) {
  for (std::size_t i = items.size(); i > 1; --i) {
    std::uniform_int_distribution<std::size_t> pick(0, i - 1);
    std::swap(items[i - 1], items[pick(rng)]);
  }
}

}  // namespace

BatchSource::BatchSource(const sdk::FitContext& context, sdk::BatchMode mode, std::int64_t batch_size,
                         std::int64_t max_cells_per_condition, std::int64_t items, const ControlShift& control_shift)
    : screen_([&]() -> const sdk::Screen& {
        if (!context.screen) throw sdk::Error("training needs a screen, but the fit context has none");
        return *context.screen;
      }()),
      mode_(mode),
      batch_size_(batch_size),
      max_cells_(max_cells_per_condition),
      genes_(screen_.num_genes()),
      conditions_(context.train_conditions),
      items_(items) {
  if (batch_size_ < 1) throw sdk::Error("[train].batch_size must be at least 1");
  if (mode_ == sdk::BatchMode::items) {
    if (items_ < 1)
      throw sdk::Error("a training stage with batch mode 'items' declares " + std::to_string(items_) +
                       " items; it needs at least 1 (TrainingStage::items)");
    return;
  }
  if (conditions_.empty())
    throw sdk::Error("the split has no training conditions, so there is nothing to train on");
  const auto n_conditions = static_cast<std::int64_t>(screen_.conditions.size());
  for (std::int64_t c : conditions_)
    if (c < 0 || c >= n_conditions)
      throw sdk::Error("training condition index " + std::to_string(c) + " is outside the screen's " +
                       std::to_string(n_conditions) + " conditions");

  // Each condition is paired with its own context's controls.
  const std::vector<std::string> contexts = screen_.contexts();
  auto context_id = [&](std::int64_t condition) {
    const std::string& name = screen_.conditions[static_cast<std::size_t>(condition)].context;
    return static_cast<std::size_t>(std::find(contexts.begin(), contexts.end(), name) - contexts.begin());
  };
  for (std::int64_t c : conditions_) slot_context_.push_back(context_id(c));
  for (const std::string& name : contexts) {
    const auto shift = control_shift.find(name);
    shift_of_context_.push_back(shift != control_shift.end() && shift->second.defined()
                                    ? shift->second.to(at::kFloat).contiguous()
                                    : at::Tensor());
  }

  if (mode_ == sdk::BatchMode::cell_pairs) {
    // One pass over the cells rather than one scan per condition.
    std::vector<std::int64_t> slot(static_cast<std::size_t>(n_conditions), -1), control_context(slot.size(), -1);
    for (std::size_t i = 0; i < conditions_.size(); ++i) slot[static_cast<std::size_t>(conditions_[i])] = i;
    for (std::int64_t c = 0; c < n_conditions; ++c)
      if (screen_.conditions[static_cast<std::size_t>(c)].is_control())
        control_context[static_cast<std::size_t>(c)] = static_cast<std::int64_t>(context_id(c));
    cells_.resize(conditions_.size());
    control_cells_.resize(contexts.size());
    const at::Tensor cc = screen_.cell_condition.to(at::kLong).contiguous();
    const auto* cond = cc.data_ptr<std::int64_t>();
    for (std::int64_t cell = 0; cell < cc.size(0); ++cell) {
      const std::int64_t k = control_context[static_cast<std::size_t>(cond[cell])];
      if (k >= 0) control_cells_[static_cast<std::size_t>(k)].push_back(cell);
      const std::int64_t s = slot[static_cast<std::size_t>(cond[cell])];
      if (s >= 0) cells_[static_cast<std::size_t>(s)].push_back(cell);
    }
    for (const std::size_t k : slot_context_)
      if (control_cells_[k].empty())
        throw sdk::Error("cell_pairs training pairs each cell with a control cell of its context, but " +
                         (contexts[k].empty() ? std::string("the screen has no control cells")
                                              : "context '" + contexts[k] + "' has no control cells"));
  } else {
    const sdk::ControlMeans controls(context);
    for (const std::string& name : contexts) {
      at::Tensor mean = controls.of(name).to(at::kFloat).contiguous();
      control_mean_of_context_.push_back(mean);
    }
    if (context.condition_means.defined()) {
      means_ = context.condition_means.index_select(0, at::tensor(conditions_, at::kLong));
    } else {
      std::vector<at::Tensor> rows;
      for (std::int64_t c : conditions_) rows.push_back(screen_.mean_of(c));
      means_ = at::stack(rows);
    }
    means_ = means_.to(at::kFloat).contiguous();
  }

  const std::int64_t rows = std::min<std::int64_t>(batch_size_, mode_ == sdk::BatchMode::cell_pairs
                                                                    ? batch_size_
                                                                    : static_cast<std::int64_t>(conditions_.size()));
  target_buffer_ = at::empty({rows, genes_}, at::kFloat);
  control_buffer_ = at::empty({rows, genes_}, at::kFloat);
}

void BatchSource::plan_epoch(std::mt19937_64& rng) {
  row_condition_.clear();
  row_cell_.clear();
  row_control_.clear();
  if (mode_ == sdk::BatchMode::items) {
    row_condition_.resize(static_cast<std::size_t>(items_));
    std::iota(row_condition_.begin(), row_condition_.end(), 0);
    shuffle(row_condition_, rng);
    return;
  }
  if (mode_ == sdk::BatchMode::condition_means) {
    row_condition_.resize(conditions_.size());
    std::iota(row_condition_.begin(), row_condition_.end(), 0);
    shuffle(row_condition_, rng);
    return;
  }
  std::vector<std::int64_t> pool;
  for (std::size_t i = 0; i < conditions_.size(); ++i) {
    const auto& cells = cells_[i];
    const auto n = static_cast<std::int64_t>(cells.size());
    const std::int64_t take = max_cells_ > 0 ? std::min(max_cells_, n) : n;
    if (take < n) {
      // A partial Fisher-Yates: the first `take` entries are a uniform sample.
      pool = cells;
      for (std::int64_t k = 0; k < take; ++k) {
        std::uniform_int_distribution<std::int64_t> pick(k, n - 1);
        std::swap(pool[static_cast<std::size_t>(k)], pool[static_cast<std::size_t>(pick(rng))]);
      }
      row_cell_.insert(row_cell_.end(), pool.begin(), pool.begin() + take);
    } else {
      row_cell_.insert(row_cell_.end(), cells.begin(), cells.end());
    }
    row_condition_.insert(row_condition_.end(), static_cast<std::size_t>(take), static_cast<std::int64_t>(i));
  }
  // Shuffle rows (cell with its condition) together through a permutation.
  std::vector<std::size_t> order(row_cell_.size());
  std::iota(order.begin(), order.end(), 0);
  shuffle(order, rng);
  std::vector<std::int64_t> cell(order.size()), condition(order.size());
  for (std::size_t r = 0; r < order.size(); ++r) {
    cell[r] = row_cell_[order[r]];
    condition[r] = row_condition_[order[r]];
  }
  row_cell_.swap(cell);
  row_condition_.swap(condition);
  row_control_.resize(row_cell_.size());
  for (std::size_t r = 0; r < row_control_.size(); ++r) {
    const auto& pool = control_cells_[slot_context_[static_cast<std::size_t>(row_condition_[r])]];
    std::uniform_int_distribution<std::size_t> pick(0, pool.size() - 1);
    row_control_[r] = pool[pick(rng)];
  }
}

void BatchSource::fill_cell(float* dst, std::int64_t cell) const {
  const auto* ptr = screen_.indptr.data_ptr<std::int64_t>();
  const auto* idx = screen_.indices.data_ptr<std::int32_t>();
  const auto* val = screen_.values.data_ptr<float>();
  std::memset(dst, 0, sizeof(float) * static_cast<std::size_t>(genes_));
  for (std::int64_t k = ptr[cell]; k < ptr[cell + 1]; ++k) dst[idx[k]] = val[k];
}

const sdk::Batch& BatchSource::batch(std::int64_t b) {
  if (b < 0 || b >= num_batches())
    throw sdk::Error("batch " + std::to_string(b) + " is outside this epoch's " + std::to_string(num_batches()));
  const std::int64_t begin = b * batch_size_;
  const std::int64_t n = std::min(batch_size_, num_rows() - begin);
  if (mode_ == sdk::BatchMode::items) {
    batch_.items = at::tensor(std::vector<std::int64_t>(row_condition_.begin() + begin, row_condition_.begin() + begin + n),
                              at::kLong);
    return batch_;
  }
  auto* target = target_buffer_.data_ptr<float>();
  auto* control = control_buffer_.data_ptr<float>();
  const auto row_bytes = sizeof(float) * static_cast<std::size_t>(genes_);
  std::vector<const sdk::Condition*> rows;
  rows.reserve(static_cast<std::size_t>(n));
  batch_.condition.resize(static_cast<std::size_t>(n));
  for (std::int64_t r = 0; r < n; ++r) {
    const auto row = static_cast<std::size_t>(begin + r);
    const std::int64_t slot = row_condition_[row];
    const std::int64_t condition = conditions_[static_cast<std::size_t>(slot)];
    batch_.condition[static_cast<std::size_t>(r)] = condition;
    rows.push_back(&screen_.conditions[static_cast<std::size_t>(condition)]);
    if (mode_ == sdk::BatchMode::cell_pairs) {
      fill_cell(target + r * genes_, row_cell_[row]);
      fill_cell(control + r * genes_, row_control_[row]);
      const at::Tensor& shift_tensor = shift_of_context_[slot_context_[static_cast<std::size_t>(slot)]];
      if (shift_tensor.defined()) {
        const float* shift = shift_tensor.data_ptr<float>();
        for (std::int64_t g = 0; g < genes_; ++g) control[r * genes_ + g] += shift[g];
      }
    } else {
      const at::Tensor& mean = control_mean_of_context_[slot_context_[static_cast<std::size_t>(slot)]];
      std::memcpy(target + r * genes_, means_.data_ptr<float>() + slot * genes_, row_bytes);
      std::memcpy(control + r * genes_, mean.data_ptr<float>(), row_bytes);
    }
  }
  const sdk::Batch perturbation = sdk::perturbation_batch(rows);
  batch_.perturbed_gene = perturbation.perturbed_gene;
  batch_.perturbed_row = perturbation.perturbed_row;
  batch_.perturbation_sign = perturbation.perturbation_sign;
  batch_.target = target_buffer_.narrow(0, 0, n);
  batch_.control = control_buffer_.narrow(0, 0, n);
  return batch_;
}

}  // namespace trellis::core::train
