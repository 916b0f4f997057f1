// SPDX-License-Identifier: GPL-3.0-or-later
// Winsorized sigma clipping as Siril does it: a robust sigma from a copy
// winsorized at median +- 1.5 sigma (scaled by 1.134, iterated until it moves by
// at most 0.05 %), then clipping around the median with the floor rule.
#include <algorithm>
#include <cmath>

#include "rejection_kernels.hpp"

namespace astropack::rejection_detail {

namespace {

double sample_sd_of(std::span<const float> v) {
  const std::size_t n = v.size();
  if (n < 2) return 0.0;
  double sum = 0;
  for (float x : v) sum += x;
  const double mean = sum / double(n);
  double ss = 0;
  for (float x : v) ss += (double(x) - mean) * (double(x) - mean);
  return std::sqrt(ss / double(n - 1));
}

}  // namespace

void reject_winsorized(WorkingSet& ws, const RejectionParams& p, std::span<float> work) {
  std::size_t r_total = 0;
  for (;;) {
    const std::size_t n_pass = ws.size;
    double sigma = sample_sd(ws, mean_of(ws));
    const double m = median_of(ws);
    std::span<float> copy = work.first(n_pass);
    for (std::size_t k = 0; k < n_pass; ++k) copy[k] = ws.value(k);
    // The copy is clamped again at every step, as Siril does (the clamps accumulate).
    for (int step = 0; step < 1000; ++step) {
      const float lo = float(m - 1.5 * sigma);
      const float hi = float(m + 1.5 * sigma);
      for (float& x : copy) x = std::min(hi, std::max(lo, x));
      const double previous = sigma;
      sigma = 1.134 * sample_sd_of(copy);
      if (std::fabs(sigma - previous) <= previous * 0.0005) break;
    }
    const std::size_t rejected = clip_pass(ws, [m](std::size_t) { return m; }, p.low * sigma,
                                           p.high * sigma, floor_budget(n_pass, r_total), work);
    r_total += rejected;
    if (rejected == 0 || ws.size <= 3) break;
  }
}

}  // namespace astropack::rejection_detail
