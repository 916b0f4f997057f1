// SPDX-License-Identifier: GPL-3.0-or-later
// Sigma clipping and MAD clipping around the median, as Siril does them: the
// first pass uses the median of the initial values, later passes recompute it
// after the spread; the spread is the sample sd (sigma) or the raw MAD around
// the previous median (MAD); the floor rule bounds the rejections.
#include "rejection_kernels.hpp"

namespace astropack::rejection_detail {

void reject_sigma(LiveSet& live, const RejectionParams& p, bool use_mad) {
  double m = median_of(live.values(), live.work);
  std::size_t r_total = 0;
  bool first = true;
  for (;;) {
    const std::size_t n_pass = live.size;
    const double spread = use_mad ? mad_of(live.values(), m, live.work)
                                  : sample_sd(live.values(), mean_of(live.values()));
    if (!first) m = median_of(live.values(), live.work);
    first = false;
    const std::size_t rejected =
        clip_around(live, m, p.low * spread, p.high * spread, floor_budget(n_pass, r_total));
    r_total += rejected;
    if (rejected == 0 || live.size <= 3) break;
  }
}

}  // namespace astropack::rejection_detail
