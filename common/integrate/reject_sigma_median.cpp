// SPDX-License-Identifier: GPL-3.0-or-later
// Median sigma clipping (Siril's `m`): out-of-range values are replaced by the
// median instead of being removed, pass after pass, until none is replaced.
#include <algorithm>
#include <cmath>

#include "rejection_kernels.hpp"

namespace astropack::rejection_detail {

namespace {

bool by_value(const Sample& a, const Sample& b) {
  return a.value < b.value || (a.value == b.value && a.frame < b.frame);
}

}  // namespace

void reject_sigma_median(std::span<Sample> samples, const RejectionParams& p) {
  const std::size_t n = samples.size();
  // A replaced value equals the median and is never replaced again, so the
  // loop ends within n passes; the bound is only a guard.
  for (std::size_t pass = 0; pass <= n; ++pass) {
    double sum = 0;
    for (const Sample& s : samples) sum += s.value;
    const double mean = sum / double(n);
    double ss = 0;
    for (const Sample& s : samples) ss += (double(s.value) - mean) * (double(s.value) - mean);
    const double sigma = std::sqrt(ss / double(n - 1));
    const double m = n % 2 == 1 ? double(samples[n / 2].value)
                                : 0.5 * (double(samples[n / 2 - 1].value) + samples[n / 2].value);
    const float median = float(m);
    std::size_t replaced = 0;
    for (Sample& s : samples) {
      const double x = s.value;
      if (m - x > p.low * sigma) {
        s.value = median;
        s.state = FrameRejection::Low;
        ++replaced;
      } else if (x - m > p.high * sigma) {
        s.value = median;
        s.state = FrameRejection::High;
        ++replaced;
      }
    }
    if (replaced == 0) break;
    std::sort(samples.begin(), samples.end(), by_value);
  }
}

}  // namespace astropack::rejection_detail
