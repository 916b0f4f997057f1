// SPDX-License-Identifier: GPL-3.0-or-later
// Percentile clipping: one pass around the median, limits proportional to it.
#include <cmath>

#include "rejection_kernels.hpp"

namespace astropack::rejection_detail {

void reject_percentile(WorkingSet& ws, const RejectionParams& p, std::span<float> work) {
  const double m = median_of(ws);
  const double scale = std::fabs(m);
  clip_pass(ws, [m](std::size_t) { return m; }, p.low * scale, p.high * scale, kNoLimit, work);
}

}  // namespace astropack::rejection_detail
