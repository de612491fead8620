#pragma once
// What a user sees while a model trains: a live one-line bar on a terminal,
// or log lines (at most every ~10 s, plus one per epoch) otherwise.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace trellis::core::train {

class Progress {
 public:
  /// `first_epoch` > 1 when resuming; the ETA counts only the epochs to run.
  /// `label` prefixes every line (e.g. "stage 'pretrain': ").
  Progress(bool bar, std::int64_t epochs, std::int64_t first_epoch, std::string label = "");
  void start_epoch(std::int64_t epoch, std::int64_t steps);
  /// After step `step` (1-based) with the epoch's running mean loss and
  /// the running means of the step's named scalars, as text.
  void step(std::int64_t step, double running_loss, const std::string& scalars = "");
  void end_epoch(double train_loss, std::optional<double> val_score, double lr, double seconds,
                 const std::string& scalars = "");

 private:
  using Clock = std::chrono::steady_clock;
  double elapsed() const;
  double eta(std::int64_t step) const;

  bool bar_;
  std::string label_;
  std::int64_t epochs_;
  std::int64_t first_epoch_;
  std::int64_t epoch_ = 0;
  std::int64_t steps_ = 0;
  Clock::time_point start_;
  Clock::time_point last_log_;
};

}  // namespace trellis::core::train
