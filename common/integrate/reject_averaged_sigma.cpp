// SPDX-License-Identifier: GPL-3.0-or-later
// Averaged sigma clipping with a Poisson noise model (IRAF AVSIGCLIP,
// PixInsight's averaged sigma clipping): sigma = sqrt(k * median), with the
// proportionality k given or estimated once from the whole stack.
#include <cmath>

#include "rejection_kernels.hpp"

namespace astropack::rejection_detail {

void reject_averaged_sigma(WorkingSet& ws, const RejectionParams& p, std::span<float> work) {
  const std::size_t n = ws.size;
  double m = median_of(ws);
  if (!(m > 0.0)) return;  // no Poisson model for a signal <= 0
  double k = p.poisson_factor;
  if (!(k > 0.0)) {
    double ss = 0;
    for (std::size_t i = 0; i < n; ++i) ss += (double(ws.value(i)) - m) * (double(ws.value(i)) - m);
    k = ss / (double(n - 1) * m);
  }
  for (;;) {
    const double sigma = std::sqrt(k * m);
    if (!(sigma > 0.0)) break;
    const std::size_t rejected = clip_pass(ws, [m](std::size_t) { return m; }, p.low * sigma,
                                           p.high * sigma, kNoLimit, work);
    if (rejected == 0 || ws.size < 3) break;
    m = median_of(ws);
  }
}

}  // namespace astropack::rejection_detail
