// SPDX-License-Identifier: GPL-3.0-or-later
// Private to the rejection kernels: the working set they share and the one
// clipping pass most methods are made of. Not installed, not public API.
#pragma once

#include <algorithm>
#include <bit>
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

// The bits of a float as an unsigned number in the same order as the floats
// (for everything but NaN and -0, which never get here), and back.
inline std::uint32_t ordered_bits(float v) {
  const auto u = std::bit_cast<std::uint32_t>(v);
  return (u & 0x80000000u) != 0 ? ~u : (u | 0x80000000u);
}
inline float from_ordered_bits(std::uint32_t b) {
  return std::bit_cast<float>((b & 0x80000000u) != 0 ? (b & 0x7FFFFFFFu) : ~b);
}

double mean_of(const WorkingSet& ws);

// The values still in play for the methods that clip around the median
// (percentile, sigma, MAD, winsorized, averaged sigma), in no particular
// order: they need order statistics only for the median, which selection
// finds without sorting the stack. Rejected values leave [0, size) and are
// listed in `rejected` with their state.
struct LiveSet {
  std::span<float> value;
  std::span<std::uint32_t> frame;
  std::size_t size = 0;
  std::span<Sample> rejected;
  std::size_t rejected_count = 0;
  // Scratch of at least the frame count, for the statistics and the rare
  // budget-limited pass, which needs the values sorted.
  std::span<float> work;
  std::span<std::uint64_t> keys;
  std::span<Sample> sorted;
  std::span<std::uint32_t> index;

  std::span<const float> values() const { return value.first(size); }
};

// Exact median of the values (even counts average the two middle values); uses `work`.
double median_of(std::span<const float> values, std::span<float> work);
double mean_of(std::span<const float> values);
// Sum of (x - centre)^2.
double squared_deviations(std::span<const float> values, double centre);
// Sample standard deviation (n - 1) around `mean`; 0 for fewer than 2 values.
double sample_sd(std::span<const float> values, double mean);
// Median of |x - center|; uses `work`.
double mad_of(std::span<const float> values, double center, std::span<float> work);

// One clipping pass around a fixed centre, with the semantics of clip_pass:
// x is a candidate when centre - x > low_limit or x - centre > high_limit;
// when there are more candidates than `budget`, the values are sorted and
// clip_pass picks the most deviant. Returns the number rejected.
std::size_t clip_around(LiveSet& live, double centre, double low_limit, double high_limit,
                        std::size_t budget);

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

// Stacks processed side by side, one per vector lane (see reject_winsorized_lanes.cpp).
constexpr std::size_t kLanes = 8;

enum class LaneState : std::uint8_t { Idle, Active, Done, Fallback };

// Up to kLanes stacks stored by value index: value k of lane l is at
// value[k * kLanes + l]. Each lane's live values are compacted to its front,
// in frame order, as LiveSet keeps them. Lanes that are not Active are
// ignored by the kernels (their slots may hold anything finite).
struct LaneGroup {
  float* value = nullptr;
  float* weight = nullptr;  // the frame weights beside the values, or nullptr
  std::size_t size[kLanes] = {};
  std::size_t rejected[kLanes] = {};  // rejections in earlier passes (the floor rule)
  std::uint32_t low[kLanes] = {};
  std::uint32_t high[kLanes] = {};
  std::size_t pixel[kLanes] = {};  // where the lane's result goes
  LaneState state[kLanes] = {};
};

// Scratch of frames * kLanes values each.
struct LaneScratch {
  float* copy = nullptr;
  float* sorted = nullptr;
  float* work = nullptr;  // frames values
};

// Up to max_passes passes of winsorized sigma clipping on every Active lane,
// with exactly the arithmetic of reject_winsorized, so each lane ends as its
// stack would. A lane that stops clipping becomes Done; one whose candidates
// exceed the floor rule's budget becomes Fallback (reject() does it alone);
// one still clipping after max_passes stays Active.
void reject_winsorized_lanes(LaneGroup& group, const LaneScratch& scratch,
                             const RejectionParams& p, std::size_t max_passes);

// The mean of each Done lane's live values and, with weights, their weighted mean.
void lane_means(const LaneGroup& group, double* mean, double* weighted_mean);

// Which compiled lane code runs: the best the processor has, or for tests (all
// must give the same bits) at most AVX2, or the portable code.
enum class LaneCode { Best, UpToAvx2, Portable };
void use_lane_code(LaneCode code);

void reject_percentile(LiveSet& live, const RejectionParams& p);
// Sigma clipping, or MAD clipping when use_mad.
void reject_sigma(LiveSet& live, const RejectionParams& p, bool use_mad);
// `copy` holds at least the frame count of scratch.
void reject_winsorized(LiveSet& live, const RejectionParams& p, std::span<float> copy);
void reject_averaged_sigma(LiveSet& live, const RejectionParams& p);
// Works on all samples (replacing values); re-sorts them.
void reject_sigma_median(std::span<Sample> samples, const RejectionParams& p);
void reject_linear_fit(WorkingSet& ws, const RejectionParams& p, std::size_t frames,
                       std::span<float> work);
// samples sorted; lambda[n] = critical value for a set of n; scratch of n entries.
void reject_gesdt(std::span<Sample> samples, const RejectionParams& p, std::size_t frames,
                  std::size_t missing, std::span<const double> lambda,
                  std::span<std::uint32_t> scratch);

}  // namespace astropack::rejection_detail
