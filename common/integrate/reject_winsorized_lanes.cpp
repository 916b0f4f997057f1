// SPDX-License-Identifier: GPL-3.0-or-later
// Winsorized sigma clipping of kLanes pixel stacks side by side, one stack per
// vector lane. Every lane goes through the floating-point operations that
// reject_winsorized performs for its stack, in the same order (the sums keep
// their four interleaved partial sums, lane by lane), so each result is the
// same bit for bit; but one instruction does the work of several lanes, and
// the median comes from a sorting network, which has no data-dependent branch.
// The kernels (reject_winsorized_lanes.inc) are compiled for the x86-64
// baseline, for AVX2 and for AVX-512, and chosen at run time. Contraction of a
// product and a sum into one fused multiply-add is off: it would round
// differently.
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#if defined(__x86_64__) || defined(__SSE2__)
#include <immintrin.h>
#endif
#include "rejection_kernels.hpp"

// Vectors passed by value between these file-local, always inlined helpers:
// the note that their calling convention differs between instruction sets
// concerns functions called across files only.
#pragma GCC diagnostic ignored "-Wpsabi"
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace astropack::rejection_detail {

namespace {

#define LANES_INLINE [[gnu::always_inline]] inline

// Batcher's odd-even merge sort for 64 inputs, without the comparators that
// touch inputs at or past n (padding with +inf would make them no-ops), and
// for `median_only` without those the two middle outputs do not depend on.
// Pairs of row offsets.
std::vector<std::uint16_t> make_network(std::size_t n, bool median_only) {
  std::vector<std::pair<std::size_t, std::size_t>> pairs;
  constexpr std::size_t kInputs = 64;
  for (std::size_t p = 1; p < kInputs; p <<= 1) {
    for (std::size_t k = p; k >= 1; k >>= 1) {
      for (std::size_t j = k % p; j + k < kInputs; j += 2 * k) {
        for (std::size_t i = 0; i < std::min(k, kInputs - j - k); ++i) {
          if ((i + j) / (2 * p) == (i + j + k) / (2 * p) && i + j + k < n)
            pairs.emplace_back(i + j, i + j + k);
        }
      }
    }
  }
  if (median_only) {
    std::vector<bool> needed(kInputs, false);
    needed[n / 2] = true;
    if (n % 2 == 0) needed[n / 2 - 1] = true;
    std::vector<std::pair<std::size_t, std::size_t>> kept;
    for (auto it = pairs.rbegin(); it != pairs.rend(); ++it) {
      if (!needed[it->first] && !needed[it->second]) continue;
      needed[it->first] = needed[it->second] = true;
      kept.push_back(*it);
    }
    pairs.assign(kept.rbegin(), kept.rend());
  }
  std::vector<std::uint16_t> offsets;
  for (const auto& [a, b] : pairs) {
    offsets.push_back(static_cast<std::uint16_t>(a * kLanes));
    offsets.push_back(static_cast<std::uint16_t>(b * kLanes));
  }
  return offsets;
}

constexpr std::size_t kNetworkInputs = 64;

// Networks by input count: [n] sorts n inputs, [65 + n] finds their median.
const std::vector<std::vector<std::uint16_t>>& networks() {
  static const std::vector<std::vector<std::uint16_t>> all = [] {
    std::vector<std::vector<std::uint16_t>> v(2 * (kNetworkInputs + 1));
    for (std::size_t n = 2; n <= kNetworkInputs; ++n) {
      v[n] = make_network(n, false);
      v[kNetworkInputs + 1 + n] = make_network(n, true);
    }
    return v;
  }();
  return all;
}


// One lane's clipping after its candidates were counted: clip_around without
// its sorted branch (a lane over budget falls back instead).
LANES_INLINE void clip_lane(LaneGroup& g, std::size_t l, std::size_t candidates, double centre,
                            double low_limit, double high_limit) {
  const std::size_t n_pass = g.size[l];
  const std::size_t budget = floor_budget(n_pass, g.rejected[l]);
  if (candidates == 0 || budget == 0) {
    g.state[l] = LaneState::Done;
    return;
  }
  if (candidates > budget) {
    g.state[l] = LaneState::Fallback;
    return;
  }
  std::size_t kept = 0;
  for (std::size_t k = 0; k < n_pass; ++k) {
    const float x = g.value[k * kLanes + l];
    const double xd = x;
    if ((centre - xd > low_limit) | (xd - centre > high_limit)) {
      if (xd < centre) ++g.low[l];
      else ++g.high[l];
      continue;
    }
    g.value[kept * kLanes + l] = x;
    if (g.weight) g.weight[kept * kLanes + l] = g.weight[k * kLanes + l];
    ++kept;
  }
  g.size[l] = kept;
  g.rejected[l] += candidates;
  if (kept <= 3) g.state[l] = LaneState::Done;
}

namespace portable {
constexpr std::size_t W = 2;  // SSE2 registers hold 2 doubles
#include "reject_winsorized_lanes.inc"
}  // namespace portable

enum class Isa { Portable, Avx2, Avx512 };

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define ASTROPACK_LANES_X86 1
// "avx2" alone: no FMA.
#pragma GCC push_options
#pragma GCC target("avx2")
namespace avx2 {
constexpr std::size_t W = 4;
#include "reject_winsorized_lanes.inc"
}  // namespace avx2
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512dq")
namespace avx512 {
constexpr std::size_t W = 8;
#include "reject_winsorized_lanes.inc"
}  // namespace avx512
#pragma GCC pop_options

Isa best_isa() {
  __builtin_cpu_init();  // may run before the constructor that would do it
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512dq"))
    return Isa::Avx512;
  return __builtin_cpu_supports("avx2") ? Isa::Avx2 : Isa::Portable;
}
#else
Isa best_isa() { return Isa::Portable; }
#endif

Isa g_isa = best_isa();

}  // namespace

void use_lane_code(LaneCode code) {
  const Isa best = best_isa();
  if (code == LaneCode::Portable) g_isa = Isa::Portable;
  else if (code == LaneCode::UpToAvx2 && best == Isa::Avx512) g_isa = Isa::Avx2;
  else g_isa = best;
}

void reject_winsorized_lanes(LaneGroup& group, const LaneScratch& scratch,
                             const RejectionParams& p, std::size_t max_passes) {
#ifdef ASTROPACK_LANES_X86
  if (g_isa == Isa::Avx512) return avx512::winsorized(group, scratch, p, max_passes);
  if (g_isa == Isa::Avx2) return avx2::winsorized(group, scratch, p, max_passes);
#endif
  portable::winsorized(group, scratch, p, max_passes);
}

void lane_means(const LaneGroup& group, double* mean, double* weighted_mean) {
#ifdef ASTROPACK_LANES_X86
  if (g_isa == Isa::Avx512) return avx512::means(group, mean, weighted_mean);
  if (g_isa == Isa::Avx2) return avx2::means(group, mean, weighted_mean);
#endif
  portable::means(group, mean, weighted_mean);
}

}  // namespace astropack::rejection_detail
