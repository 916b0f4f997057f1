// SPDX-License-Identifier: GPL-3.0-or-later
// Private to the rejection kernels: the working set they share and the one
// clipping pass most methods are made of. Not installed, not public API.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>

#include "astropack/rejection.hpp"

namespace astropack::rejection_detail {

using Sample = RejectionWorkspace::Sample;

// The values still in play. `samples` holds every present value sorted
// ascending; index[0..size) lists the live positions in ascending order, so the
// live values are ascending too.
struct WorkingSet {
  std::span<Sample> samples;
  std::span<std::uint32_t> index;
  std::size_t size = 0;

  float value(std::size_t k) const { return samples[index[k]].value; }
  Sample& sample(std::size_t k) const { return samples[index[k]]; }
};

constexpr std::size_t kNoLimit = std::numeric_limits<std::size_t>::max();

double median_of(const WorkingSet& ws);
double mean_of(const WorkingSet& ws);
// Sample standard deviation (n - 1) around `mean`; 0 for fewer than 2 values.
double sample_sd(const WorkingSet& ws, double mean);
// Median of |x - center| over the live values; uses `work`.
double mad_of(const WorkingSet& ws, double center, std::span<float> work);

// Rejections the floor rule still allows in a pass that starts with n_pass
// values when r_total values were rejected before: while n_pass - r > 4.
inline std::size_t floor_budget(std::size_t n_pass, std::size_t r_total) {
  return n_pass > 4 + r_total ? n_pass - 4 - r_total : 0;
}

// One clipping pass. For live position k with expected value centre(k), the
// value is a low candidate when centre - x > low_limit and a high candidate
// when x - centre > high_limit. At most `budget` candidates are rejected, the
// most deviant first (deviation in units of its own limit; ties in position
// order). Rejected samples get their state; the live index is compacted.
// Returns the number rejected.
template <typename Centre>
std::size_t clip_pass(WorkingSet& ws, Centre centre, double low_limit, double high_limit,
                      std::size_t budget, std::span<float> work) {
  // Deviation in units of the limit; > 1 (or +inf for a zero limit) marks a candidate.
  auto deviation = [&](std::size_t k) -> double {
    const double c = centre(k);
    const double x = ws.value(k);
    if (c - x > low_limit) return (c - x) / low_limit;
    if (x - c > high_limit) return (x - c) / high_limit;
    return 0.0;
  };
  std::size_t candidates = 0;
  for (std::size_t k = 0; k < ws.size; ++k)
    if (deviation(k) > 0.0) ++candidates;
  if (candidates == 0 || budget == 0) return 0;

  double threshold = 0.0;  // reject deviations above it, then ties while the budget lasts
  std::size_t ties_allowed = kNoLimit;
  if (candidates > budget) {
    std::size_t j = 0;
    for (std::size_t k = 0; k < ws.size; ++k) {
      const double d = deviation(k);
      if (d > 0.0) work[j++] = static_cast<float>(d);
    }
    // The budget-th largest deviation.
    auto nth = work.begin() + static_cast<std::ptrdiff_t>(candidates - budget);
    std::nth_element(work.begin(), nth, work.begin() + static_cast<std::ptrdiff_t>(candidates));
    const float cut = *nth;
    std::size_t above = 0;
    for (std::size_t k = 0; k < ws.size; ++k)
      if (static_cast<float>(deviation(k)) > cut) ++above;
    threshold = cut;
    ties_allowed = budget - above;
  }

  std::size_t rejected = 0, live = 0;
  const bool limited = ties_allowed != kNoLimit;
  for (std::size_t k = 0; k < ws.size; ++k) {
    const double d = deviation(k);
    bool reject = false;
    if (d > 0.0) {
      if (!limited) {
        reject = true;
      } else {
        const float df = static_cast<float>(d);
        if (df > static_cast<float>(threshold)) {
          reject = true;
        } else if (df == static_cast<float>(threshold) && ties_allowed > 0) {
          reject = true;
          --ties_allowed;
        }
      }
    }
    if (reject) {
      Sample& s = ws.sample(k);
      s.state = s.value < centre(k) ? FrameRejection::Low : FrameRejection::High;
      ++rejected;
    } else {
      ws.index[live++] = ws.index[k];
    }
  }
  ws.size = live;
  return rejected;
}

void reject_percentile(WorkingSet& ws, const RejectionParams& p, std::span<float> work);
// Sigma clipping, or MAD clipping when use_mad.
void reject_sigma(WorkingSet& ws, const RejectionParams& p, bool use_mad, std::span<float> work);
// Works on all samples (replacing values); re-sorts them.
void reject_sigma_median(std::span<Sample> samples, const RejectionParams& p);
void reject_winsorized(WorkingSet& ws, const RejectionParams& p, std::span<float> work);
void reject_linear_fit(WorkingSet& ws, const RejectionParams& p, std::size_t frames,
                       std::span<float> work);
void reject_averaged_sigma(WorkingSet& ws, const RejectionParams& p, std::span<float> work);
// samples sorted; lambda[n] = critical value for a set of n; scratch of n entries.
void reject_gesdt(std::span<Sample> samples, const RejectionParams& p, std::size_t frames,
                  std::size_t missing, std::span<const double> lambda,
                  std::span<std::uint32_t> scratch);

}  // namespace astropack::rejection_detail
