#pragma once
/// @file adapter.hpp
/// Adapter: transforms gene embeddings using graphs, in a slot a predictor exposes.

#include <cstdint>
#include <memory>
#include <string>

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include "trellis/sdk/export.hpp"
#include "trellis/sdk/kind.hpp"
#include "trellis/sdk/requirements.hpp"

namespace trellis::sdk {

struct FitContext;

/// What a predictor's slot passes through its adapter: `[N, dim]` embeddings
/// whose row `i` belongs to the universe gene `genes[i]`.
struct TRELLIS_SDK_API AdapterSlot {
  std::string name;        ///< the slot, e.g. "genes" (for messages)
  std::string predictor;   ///< the predictor's component key, e.g. "predictor/gears" (for messages)
  std::int64_t dim = 0;    ///< width d of the embeddings
  at::Tensor genes;        ///< `[N]` int64 universe index (GeneTable order) of each embedding row
};

/// Transforms gene embeddings `[N, d]` into embeddings of the same shape,
/// using graphs and features of the context (e.g. GRNFormer's topological
/// adapter with edge perturbation). A predictor names its slots in
/// Requirements::adapter_slots; the host builds `[model.adapters.<slot>]`
/// into FitContext::adapters and registers each adapter as a submodule of
/// a neural predictor, so its parameters train with it.
///
/// Life cycle: prepare() once (before training or loading); during training
/// the host's loop calls start_epoch() before each epoch's batches, with the
/// model in training mode; adapt() on every forward pass; finish() once
/// after training.
class TRELLIS_SDK_API Adapter : public torch::nn::Module {
 public:
  ~Adapter() override;
  /// The features and graphs this adapter reads from the FitContext; model
  /// assembly checks the config provides them. The default needs nothing.
  virtual Requirements requirements() const { return {}; }
  /// Called by the predictor before training or loading, with the slot's
  /// width and rows. Create parameters here; throw trellis::sdk::Error
  /// naming the slot when the context cannot serve it.
  virtual void prepare(const FitContext& context, const AdapterSlot& slot) = 0;
  /// `[N, d]` -> `[N, d]`, rows as AdapterSlot::genes.
  virtual at::Tensor adapt(const at::Tensor& embeddings) = 0;
  /// Training epoch `epoch` (1-based) starts; e.g. re-draw an augmented
  /// graph. A function of the epoch (and the adapter's seed) alone, so a
  /// resumed run repeats it. The default does nothing.
  virtual void start_epoch(std::int64_t epoch) { (void)epoch; }
  /// Training is over: e.g. write what the adapter learned to
  /// FitContext::run_dir. The default does nothing.
  virtual void finish(const FitContext& context) { (void)context; }
};

/// The adapter the config put into `slot.name`, prepared for `slot`; null
/// when the config leaves the slot empty. What a predictor calls from its
/// prepare(): `adapter_ = sdk::prepare_adapter(context, {"genes", key, d, rows});`.
TRELLIS_SDK_API std::shared_ptr<Adapter> prepare_adapter(const FitContext& context, const AdapterSlot& slot);

TRELLIS_SDK_KIND(Adapter, "adapter", "Transforms gene embeddings [N, d] using graphs, in a predictor's adapter slot")

}  // namespace trellis::sdk
