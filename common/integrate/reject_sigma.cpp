// SPDX-License-Identifier: GPL-3.0-or-later
// Sigma clipping and MAD clipping around the median, as Siril does them: the
// first pass uses the median of the initial values, later passes recompute it
// after the spread; the spread is the sample sd (sigma) or the raw MAD around
// the previous median (MAD); the floor rule bounds the rejections.
#include "rejection_kernels.hpp"

namespace astropack::rejection_detail {

void reject_sigma(WorkingSet& ws, const RejectionParams& p, bool use_mad, std::span<float> work) {
  double m = median_of(ws);
  std::size_t r_total = 0;
  bool first = true;
  for (;;) {
    const std::size_t n_pass = ws.size;
    const double spread = use_mad ? mad_of(ws, m, work) : sample_sd(ws, mean_of(ws));
    if (!first) m = median_of(ws);
    first = false;
    const std::size_t rejected = clip_pass(ws, [m](std::size_t) { return m; }, p.low * spread,
                                           p.high * spread, floor_budget(n_pass, r_total), work);
    r_total += rejected;
    if (rejected == 0 || ws.size <= 3) break;
  }
}

}  // namespace astropack::rejection_detail
