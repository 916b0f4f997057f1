// SPDX-License-Identifier: GPL-3.0-or-later
// Averaged sigma clipping with a Poisson noise model (IRAF AVSIGCLIP,
// PixInsight's averaged sigma clipping): sigma = sqrt(k * median), with the
// proportionality k given or estimated once from the whole stack.
#include <cmath>

#include "rejection_kernels.hpp"

namespace astropack::rejection_detail {

void reject_averaged_sigma(LiveSet& live, const RejectionParams& p) {
  double m = median_of(live.values(), live.work);
  if (!(m > 0.0)) return;  // no Poisson model for a signal <= 0
  double k = p.poisson_factor;
  if (!(k > 0.0)) k = squared_deviations(live.values(), m) / (double(live.size - 1) * m);
  for (;;) {
    const double sigma = std::sqrt(k * m);
    if (!(sigma > 0.0)) break;
    const std::size_t rejected = clip_around(live, m, p.low * sigma, p.high * sigma, kNoLimit);
    if (rejected == 0 || live.size < 3) break;
    m = median_of(live.values(), live.work);
  }
}

}  // namespace astropack::rejection_detail
