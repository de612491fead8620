#pragma once
/// @file trace.hpp
/// A predictor's intermediate tensors, by name: how much of each step still
/// depends on the perturbation (`trellis trace`), and what tests check.

#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "trellis/sdk/export.hpp"

namespace trellis::sdk {

struct Batch;

/// One intermediate tensor of a forward pass.
struct TracedTensor {
  std::string name;  ///< e.g. "node_input", "layer1", "output"
  at::Tensor value;  ///< per batch row when its first dimension is the batch size, else shared by all rows
};

/// Implemented by a predictor (beside Predictor) that can show its forward
/// pass step by step. The host finds it with dynamic_cast; tests reach a
/// plugin's intermediates through it instead of plugin-private classes.
class Traceable {
 public:
  virtual ~Traceable() = default;
  /// The intermediates of `forward(batch)`, in the current train/eval mode,
  /// in the order they are computed. Per-row tensors have the batch size as
  /// their first dimension, so a row can be compared with its batch's
  /// control row.
  virtual std::vector<TracedTensor> trace(const Batch& batch) = 0;
};

/// The tensor called `name` in `trace`. Throws trellis::sdk::Error listing
/// the names there are when none is called that.
TRELLIS_SDK_API const at::Tensor& traced(const std::vector<TracedTensor>& trace, const std::string& name);

}  // namespace trellis::sdk
