// SPDX-License-Identifier: GPL-3.0-or-later
// Winsorized sigma clipping as Siril does it: a robust sigma from a copy
// winsorized at median +- 1.5 sigma (scaled by 1.134, iterated until it moves by
// at most 0.05 %), then clipping around the median with the floor rule.
#include <algorithm>
#include <cmath>

#include "rejection_kernels.hpp"

namespace astropack::rejection_detail {

void reject_winsorized(LiveSet& live, const RejectionParams& p, std::span<float> work) {
  std::size_t r_total = 0;
  for (;;) {
    const std::size_t n_pass = live.size;
    double sigma = sample_sd(live.values(), mean_of(live.values()));
    const double m = median_of(live.values(), live.work);
    std::span<float> copy = work.first(n_pass);
    std::copy(live.value.begin(), live.value.begin() + static_cast<std::ptrdiff_t>(n_pass),
              copy.begin());
    // The copy is clamped again at every step, as Siril does (the clamps accumulate).
    for (int step = 0; step < 1000; ++step) {
      const float lo = float(m - 1.5 * sigma);
      const float hi = float(m + 1.5 * sigma);
      for (float& x : copy) x = std::min(hi, std::max(lo, x));
      const double previous = sigma;
      sigma = 1.134 * sample_sd(copy, mean_of(copy));
      if (std::fabs(sigma - previous) <= previous * 0.0005) break;
    }
    const std::size_t rejected =
        clip_around(live, m, p.low * sigma, p.high * sigma, floor_budget(n_pass, r_total));
    r_total += rejected;
    if (rejected == 0 || live.size <= 3) break;
  }
}

}  // namespace astropack::rejection_detail
