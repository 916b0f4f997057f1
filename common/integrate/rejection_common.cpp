// SPDX-License-Identifier: GPL-3.0-or-later
// Statistics of the live working set shared by the rejection kernels.
#include <algorithm>
#include <cmath>

#include "rejection_kernels.hpp"

namespace astropack::rejection_detail {

double median_of(const WorkingSet& ws) {
  const std::size_t n = ws.size;
  if (n == 0) return 0.0;
  if (n % 2 == 1) return ws.value(n / 2);
  return 0.5 * (double(ws.value(n / 2 - 1)) + double(ws.value(n / 2)));
}

double mean_of(const WorkingSet& ws) {
  if (ws.size == 0) return 0.0;
  double sum = 0.0;
  for (std::size_t k = 0; k < ws.size; ++k) sum += ws.value(k);
  return sum / double(ws.size);
}

double sample_sd(const WorkingSet& ws, double mean) {
  if (ws.size < 2) return 0.0;
  double ss = 0.0;
  for (std::size_t k = 0; k < ws.size; ++k) {
    const double d = double(ws.value(k)) - mean;
    ss += d * d;
  }
  return std::sqrt(ss / double(ws.size - 1));
}

double mad_of(const WorkingSet& ws, double center, std::span<float> work) {
  const std::size_t n = ws.size;
  if (n == 0) return 0.0;
  for (std::size_t k = 0; k < n; ++k) work[k] = float(std::fabs(double(ws.value(k)) - center));
  auto first = work.begin();
  auto mid = first + static_cast<std::ptrdiff_t>(n / 2);
  std::nth_element(first, mid, first + static_cast<std::ptrdiff_t>(n));
  const double upper = *mid;
  if (n % 2 == 1) return upper;
  return 0.5 * (double(*std::max_element(first, mid)) + upper);
}

}  // namespace astropack::rejection_detail
