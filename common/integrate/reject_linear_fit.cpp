// SPDX-License-Identifier: GPL-3.0-or-later
// Linear fit clipping: a straight line through the sorted values against their
// rank, the mean absolute residual as the spread, the floor rule as in Siril.
#include <cmath>

#include "rejection_kernels.hpp"

namespace astropack::rejection_detail {

void reject_linear_fit(WorkingSet& ws, const RejectionParams& p, std::size_t frames,
                       std::span<float> work) {
  std::size_t r_total = 0;
  for (;;) {
    const std::size_t n = ws.size;
    const double y_mean = mean_of(ws);
    // The covariance does not depend on the x centre because the y residuals sum to 0.
    const double half = 0.5 * double(n - 1);
    double cov = 0;
    for (std::size_t k = 0; k < n; ++k) cov += (double(k) - half) * (double(ws.value(k)) - y_mean);
    cov /= double(n);
    // Siril keeps the rank mean and variance of the original frame count.
    const double count = p.linear_fit_siril_n0 ? double(frames) : double(n);
    const double x_mean = 0.5 * (count - 1.0);
    const double x_var = (count * count - 1.0) / 12.0;
    const double slope = cov / x_var;
    const double intercept = y_mean - x_mean * slope;
    double spread = 0;
    for (std::size_t k = 0; k < n; ++k)
      spread += std::fabs(double(ws.value(k)) - (intercept + slope * double(k)));
    spread /= double(n);
    const std::size_t rejected =
        clip_pass(ws, [=](std::size_t k) { return intercept + slope * double(k); },
                  p.low * spread, p.high * spread, floor_budget(n, r_total), work);
    r_total += rejected;
    if (rejected == 0 || ws.size <= 3) break;
  }
}

}  // namespace astropack::rejection_detail
