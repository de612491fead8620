// Training progress on stderr (bar) or through the log.
#include <cstdio>
#include <string>

#include <spdlog/spdlog.h>

#include "progress.hpp"

namespace trellis::core::train {

namespace {

constexpr double kLogEverySeconds = 10.0;

std::string clock_text(double seconds) {
  if (!(seconds >= 0) || seconds > 1e7) return "?";
  const auto s = static_cast<long long>(seconds + 0.5);
  char out[32];
  if (s >= 3600)
    std::snprintf(out, sizeof out, "%lld:%02lld:%02lld", s / 3600, (s / 60) % 60, s % 60);
  else
    std::snprintf(out, sizeof out, "%lld:%02lld", s / 60, s % 60);
  return out;
}

}  // namespace

Progress::Progress(bool bar, std::int64_t epochs, std::int64_t first_epoch, std::string label)
    : bar_(bar), label_(std::move(label)), epochs_(epochs), first_epoch_(first_epoch), start_(Clock::now()),
      last_log_(start_) {}

double Progress::elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

// Assumes every epoch takes as many steps as the current one.
double Progress::eta(std::int64_t step) const {
  const double done = static_cast<double>((epoch_ - first_epoch_) * steps_ + step);
  const double total = static_cast<double>((epochs_ - first_epoch_ + 1) * steps_);
  if (done <= 0) return -1;
  return elapsed() / done * (total - done);
}

void Progress::start_epoch(std::int64_t epoch, std::int64_t steps) {
  epoch_ = epoch;
  steps_ = steps;
}

void Progress::step(std::int64_t step, double running_loss, const std::string& scalars) {
  const std::string extra = scalars.empty() ? "" : " (" + scalars + ")";
  if (bar_) {
    std::fprintf(stderr, "\r\033[K%sepoch %lld/%lld  step %lld/%lld  loss %.5g%s  elapsed %s  eta %s", label_.c_str(),
                 static_cast<long long>(epoch_), static_cast<long long>(epochs_), static_cast<long long>(step),
                 static_cast<long long>(steps_), running_loss, extra.c_str(), clock_text(elapsed()).c_str(),
                 clock_text(eta(step)).c_str());
    std::fflush(stderr);
    return;
  }
  const auto now = Clock::now();
  if (std::chrono::duration<double>(now - last_log_).count() < kLogEverySeconds) return;
  last_log_ = now;
  spdlog::info("{}epoch {}/{} step {}/{}: loss {:.5g}{} (elapsed {}, eta {})", label_, epoch_, epochs_, step, steps_,
               running_loss, extra, clock_text(elapsed()), clock_text(eta(step)));
}

void Progress::end_epoch(double train_loss, std::optional<double> val_score, double lr, double seconds,
                         const std::string& scalars) {
  const std::string extra = scalars.empty() ? "" : " (" + scalars + ")";
  if (bar_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }
  last_log_ = Clock::now();
  if (val_score)
    spdlog::info("{}epoch {}/{}: train loss {:.5g}{}, validation {:.5g}, lr {:.3g}, {:.1f} s", label_, epoch_, epochs_,
                 train_loss, extra, *val_score, lr, seconds);
  else
    spdlog::info("{}epoch {}/{}: train loss {:.5g}{}, lr {:.3g}, {:.1f} s", label_, epoch_, epochs_, train_loss, extra, lr,
                 seconds);
}

}  // namespace trellis::core::train
