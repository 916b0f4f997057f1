// SPDX-License-Identifier: GPL-3.0-or-later
// Percentile clipping: one pass around the median, limits proportional to it.
#include <cmath>

#include "rejection_kernels.hpp"

namespace astropack::rejection_detail {

void reject_percentile(LiveSet& live, const RejectionParams& p) {
  const double m = median_of(live.values(), live.work);
  const double scale = std::fabs(m);
  clip_around(live, m, p.low * scale, p.high * scale, kNoLimit);
}

}  // namespace astropack::rejection_detail
