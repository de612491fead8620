#pragma once
// Mini-batches for a neural predictor, built from the training conditions
// of a split only, as the predictor's batch mode asks.

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "trellis/sdk/data.hpp"
#include "trellis/sdk/predictor.hpp"
#include "trellis/train/residual_target.hpp"

namespace trellis::core::train {

/// Plans each epoch's rows (which cells or conditions, in which order) and
/// fills one batch at a time into buffers reused across batches.
///
/// - cell_pairs: every cell of each training condition is a row (at most
///   `max_cells_per_condition` per epoch, sampled without replacement, when
///   that is positive); target = the cell's expression, control = the
///   expression of a control cell of the same context drawn uniformly per
///   row.
/// - condition_means: one row per training condition; target = its
///   pseudobulk (context.condition_means, else computed from the screen),
///   control = its context's control mean (sdk::ControlMeans).
/// - items: `items` indices (genes, modules, ... as the predictor defines
///   them) in Batch::items; no expression is read.
///
/// Rows are shuffled every epoch. All randomness comes from the generator
/// passed to plan_epoch, so a run is reproducible from its seed.
class BatchSource {
 public:
  /// `context` must outlive the source. Throws sdk::Error when there are no
  /// training conditions or (cell_pairs) no control cells.
  /// `control_shift` is added to the paired control cells of each context.
  BatchSource(const sdk::FitContext& context, sdk::BatchMode mode, std::int64_t batch_size,
              std::int64_t max_cells_per_condition, std::int64_t items = 0, const ControlShift& control_shift = {});

  /// Draws the next epoch's rows and control cells.
  void plan_epoch(std::mt19937_64& rng);
  /// Rows in the current epoch.
  std::int64_t num_rows() const { return static_cast<std::int64_t>(row_condition_.size()); }
  std::int64_t num_batches() const { return (num_rows() + batch_size_ - 1) / batch_size_; }
  /// Batch `b` of the current epoch. Its `control` and `target` view buffers
  /// that the next call overwrites: clone them to keep them.
  const sdk::Batch& batch(std::int64_t b);
  /// The cell of each row (cell_pairs; empty for condition_means) and the
  /// control cell paired with it, for the current epoch.
  const std::vector<std::int64_t>& row_cells() const { return row_cell_; }
  const std::vector<std::int64_t>& row_controls() const { return row_control_; }

 private:
  void fill_cell(float* dst, std::int64_t cell) const;

  const sdk::Screen& screen_;
  sdk::BatchMode mode_;
  std::int64_t batch_size_;
  std::int64_t max_cells_;
  std::int64_t genes_;
  std::vector<std::int64_t> conditions_;                 // training conditions
  std::vector<std::vector<std::int64_t>> cells_;         // cells of each training condition
  std::vector<std::size_t> slot_context_;                // context (index into screen.contexts()) of each
  std::vector<std::vector<std::int64_t>> control_cells_;  // control cells of each context
  at::Tensor means_;                                     // condition_means: [conditions_, G]
  std::vector<at::Tensor> control_mean_of_context_;      // [G] each
  std::int64_t items_ = 0;                               // BatchMode::items
  std::vector<at::Tensor> shift_of_context_;             // [G] float, or undefined
  // The current epoch, one entry per row.
  std::vector<std::int64_t> row_condition_;              // index into conditions_ (items: the item)
  std::vector<std::int64_t> row_cell_;
  std::vector<std::int64_t> row_control_;
  // Reused buffers.
  at::Tensor target_buffer_, control_buffer_;
  sdk::Batch batch_;
};

}  // namespace trellis::core::train
