#include "trellis/dna/variant_scoring.hpp"

#include <chrono>
#include <cmath>
#include <map>

#include <ATen/ATen.h>
#include <torch/types.h>
#include <torch/utils.h>

#include "trellis/sdk/dna_model.hpp"
#include "trellis/sdk/dna_sequence.hpp"
#include "trellis/sdk/log.hpp"

namespace trellis::core::dna {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::int64_t complement(std::int64_t token) { return token == sdk::kBaseN ? token : 3 - token; }

// Sum over the bases a deletion's reference window `r` (2f + 1 values,
// the deleted base at f) shares with its alternative window `a` (2f
// values): a - r, aligned; NaN entries (unknown bases) are skipped.
double aligned_difference(const double* r, const double* a, std::int64_t f) {
  double sum = 0;
  for (std::int64_t j = 0; j < 2 * f + 1; ++j) {
    if (j == f) continue;
    const double ref = r[j], alt = a[j < f ? j : j - 1];
    if (!std::isnan(ref) && !std::isnan(alt)) sum += alt - ref;
  }
  return sum;
}

// [n, L] log P of each position's own base under the model, read unmasked;
// NaN where the base is unknown.
at::Tensor own_base_log_probs(sdk::DnaModel& model, const at::Tensor& tokens) {
  const at::Tensor lp = at::log_softmax(model.logits(model.hidden(tokens)), -1).to(at::kDouble);
  const at::Tensor own = lp.gather(2, tokens.clamp_max(3).unsqueeze(2)).squeeze(2);
  return at::where(tokens.eq(sdk::kBaseN), at::full_like(own, kNaN), own);
}

at::Tensor stack_tokens(const std::vector<std::string>& windows) {
  std::vector<at::Tensor> rows;
  rows.reserve(windows.size());
  for (const auto& w : windows) rows.push_back(sdk::dna_tokens(w));
  return at::stack(rows);
}

std::string without_centre(const std::string& window, std::int64_t f) {
  return window.substr(0, static_cast<std::size_t>(f)) + window.substr(static_cast<std::size_t>(f + 1));
}

// Logs progress at most every ~10 s.
class Ticker {
 public:
  explicit Ticker(std::int64_t total) : total_(total), last_(std::chrono::steady_clock::now()) {}
  void add(std::int64_t n) {
    done_ += n;
    const auto now = std::chrono::steady_clock::now();
    if (std::chrono::duration<double>(now - last_).count() > 10) {
      sdk::log_info("scored " + std::to_string(done_) + " of " + std::to_string(total_) + " variants");
      last_ = now;
    }
  }

 private:
  std::int64_t total_, done_ = 0;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace

std::string centred_window(const std::string& reference, std::int64_t offset, std::int64_t flank) {
  std::string out(static_cast<std::size_t>(2 * flank + 1), 'N');
  const auto n = static_cast<std::int64_t>(reference.size());
  for (std::int64_t j = 0; j < 2 * flank + 1; ++j) {
    const std::int64_t i = offset - flank + j;
    if (i >= 0 && i < n) out[static_cast<std::size_t>(j)] = reference[static_cast<std::size_t>(i)];
  }
  return out;
}

std::vector<double> score_with_model(sdk::DnaModel& model, const std::vector<Variant>& variants,
                                     const ScoreSettings& s) {
  torch::NoGradGuard no_grad;
  model.eval();
  const std::int64_t f = s.flank;
  std::vector<double> scores(variants.size(), kNaN);
  Ticker ticker(static_cast<std::int64_t>(variants.size()));

  // Substitutions: one masked window per position, both strands in one pass.
  std::map<std::pair<const std::string*, std::int64_t>, std::vector<std::size_t>> sites;
  std::vector<std::size_t> deletions;
  for (std::size_t i = 0; i < variants.size(); ++i) {
    if (variants[i].deletion())
      deletions.push_back(i);
    else
      sites[{variants[i].reference.get(), variants[i].offset}].push_back(i);
  }
  std::vector<const std::vector<std::size_t>*> site_list;
  for (const auto& [key, members] : sites) site_list.push_back(&members);
  for (std::size_t start = 0; start < site_list.size(); start += static_cast<std::size_t>(s.batch_size)) {
    const std::size_t end = std::min(site_list.size(), start + static_cast<std::size_t>(s.batch_size));
    std::vector<std::string> windows;
    for (std::size_t k = start; k < end; ++k) {
      const Variant& v = variants[site_list[k]->front()];
      std::string w = centred_window(*v.reference, v.offset, f);
      w[static_cast<std::size_t>(f)] = 'N';  // the mask token
      windows.push_back(std::move(w));
    }
    const at::Tensor forward = stack_tokens(windows);
    const at::Tensor both = at::cat({forward, sdk::reverse_complement_tokens(forward)});
    const at::Tensor centre = model.hidden(both).select(1, f);
    const at::Tensor lp = at::log_softmax(model.logits(centre), -1).to(at::kDouble).contiguous();
    const auto p = lp.accessor<double, 2>();
    const auto n = static_cast<std::int64_t>(end - start);
    for (std::int64_t k = 0; k < n; ++k) {
      for (std::size_t i : *site_list[start + static_cast<std::size_t>(k)]) {
        const std::int64_t ref = sdk::dna_token(variants[i].ref), alt = sdk::dna_token(variants[i].alt);
        scores[i] = 0.5 * ((p[k][alt] - p[k][ref]) + (p[n + k][complement(alt)] - p[n + k][complement(ref)]));
      }
      ticker.add(static_cast<std::int64_t>(site_list[start + static_cast<std::size_t>(k)]->size()));
    }
  }

  // Deletions: reference and alternative windows read unmasked, both strands.
  for (std::size_t start = 0; start < deletions.size(); start += static_cast<std::size_t>(s.batch_size)) {
    const std::size_t end = std::min(deletions.size(), start + static_cast<std::size_t>(s.batch_size));
    std::vector<std::string> ref_windows, alt_windows;
    for (std::size_t k = start; k < end; ++k) {
      const Variant& v = variants[deletions[k]];
      ref_windows.push_back(centred_window(*v.reference, v.offset, f));
      alt_windows.push_back(without_centre(ref_windows.back(), f));
    }
    const at::Tensor ref = stack_tokens(ref_windows), alt = stack_tokens(alt_windows);
    const at::Tensor r = own_base_log_probs(model, at::cat({ref, sdk::reverse_complement_tokens(ref)})).contiguous();
    const at::Tensor a = own_base_log_probs(model, at::cat({alt, sdk::reverse_complement_tokens(alt)})).contiguous();
    const auto n = static_cast<std::int64_t>(end - start);
    for (std::int64_t k = 0; k < n; ++k) {
      const double forward = aligned_difference(r[k].data_ptr<double>(), a[k].data_ptr<double>(), f);
      const double reverse = aligned_difference(r[n + k].data_ptr<double>(), a[n + k].data_ptr<double>(), f);
      scores[deletions[start + static_cast<std::size_t>(k)]] = 0.5 * (forward + reverse);
    }
    ticker.add(n);
  }
  return scores;
}

std::vector<double> score_with_context(const ContextCounts& counts, const std::vector<Variant>& variants,
                                       std::int64_t f) {
  // ln P of each base of a window given its neighbours in the window.
  const auto own = [&](const std::string& w) {
    std::vector<double> out(w.size(), kNaN);
    for (std::size_t j = 0; j < w.size(); ++j) {
      const std::int64_t x = sdk::dna_token(w[j]);
      if (x == sdk::kBaseN) continue;
      const std::int64_t left = j > 0 ? sdk::dna_token(w[j - 1]) : sdk::kBaseN;
      const std::int64_t right = j + 1 < w.size() ? sdk::dna_token(w[j + 1]) : sdk::kBaseN;
      out[j] = counts.context_log_prob(left, x, right);
    }
    return out;
  };
  std::vector<double> scores(variants.size());
  for (std::size_t i = 0; i < variants.size(); ++i) {
    const Variant& v = variants[i];
    const std::string w = centred_window(*v.reference, v.offset, f);
    if (v.deletion()) {
      const std::string alt = without_centre(w, f);
      const std::string rc = sdk::reverse_complement(w);
      const double forward = aligned_difference(own(w).data(), own(alt).data(), f);
      const double reverse = aligned_difference(own(rc).data(), own(sdk::reverse_complement(alt)).data(), f);
      scores[i] = 0.5 * (forward + reverse);
      continue;
    }
    const std::int64_t left = sdk::dna_token(w[static_cast<std::size_t>(f - 1)]);
    const std::int64_t right = sdk::dna_token(w[static_cast<std::size_t>(f + 1)]);
    const std::int64_t ref = sdk::dna_token(v.ref), alt = sdk::dna_token(v.alt);
    const double forward = counts.context_log_prob(left, alt, right) - counts.context_log_prob(left, ref, right);
    const double reverse = counts.context_log_prob(complement(right), complement(alt), complement(left)) -
                           counts.context_log_prob(complement(right), complement(ref), complement(left));
    scores[i] = 0.5 * (forward + reverse);
  }
  return scores;
}

std::vector<double> score_by_position(const std::vector<Variant>& variants) {
  std::vector<double> scores(variants.size());
  for (std::size_t i = 0; i < variants.size(); ++i) {
    const Variant& v = variants[i];
    scores[i] = std::abs(static_cast<double>(v.offset) - 0.5 * static_cast<double>(v.reference->size() - 1));
  }
  return scores;
}

}  // namespace trellis::core::dna
