// SPDX-License-Identifier: GPL-3.0-or-later
// Generalized extreme studentized deviate test (Rosner 1983), on the sorted
// stack: the extremes are tested one after another and the outliers are the
// extremes up to the last significant test. Siril's three departures from the
// textbook test are available behind gesdt_siril_quirks (see rejection.hpp).
#include <algorithm>
#include <cmath>

#include "rejection_kernels.hpp"

namespace astropack::rejection_detail {

namespace {

constexpr std::uint32_t kHighSide = 1;
constexpr std::uint32_t kSignificant = 2;

}  // namespace

void reject_gesdt(std::span<Sample> samples, const RejectionParams& p, std::size_t frames,
                  std::size_t missing, std::span<const double> lambda,
                  std::span<std::uint32_t> tests) {
  const std::size_t n = samples.size();
  const double allowed = std::floor(double(frames) * p.low + 1e-9);
  if (allowed <= double(missing)) return;
  // Every tested set keeps at least 3 values (n - 2 degrees of freedom >= 1).
  const std::size_t max_tests = std::min(static_cast<std::size_t>(allowed) - missing, n - 2);
  if (n < 3 || max_tests == 0) return;

  // Run the tests on the shrinking range [b, e) and remember each outcome.
  std::size_t b = 0, e = n, done = 0, last_significant = 0;
  for (std::size_t j = 0; j < max_tests; ++j) {
    const std::size_t size = e - b;
    double sum = 0;
    for (std::size_t i = b; i < e; ++i) sum += samples[i].value;
    const double mean = sum / double(size);
    double ss = 0;
    for (std::size_t i = b; i < e; ++i)
      ss += (double(samples[i].value) - mean) * (double(samples[i].value) - mean);
    const double sd = std::sqrt(ss / double(size - 1));
    if (!(sd > 0.0) && !p.gesdt_siril_quirks) break;  // what is left is all equal
    const double low_dev = mean - samples[b].value;
    const double high_dev = double(samples[e - 1].value) - mean;
    const bool high = high_dev > low_dev;
    const double g = (high ? high_dev : low_dev) / sd;  // NaN when sd == 0: not significant
    const std::size_t critical_n = p.gesdt_siril_quirks ? frames - j : size;
    std::uint32_t code = high ? kHighSide : 0;
    if (g > lambda[critical_n]) {
      code |= kSignificant;
      last_significant = j + 1;
    }
    tests[j] = code;
    if (high) --e; else ++b;
    ++done;
  }

  std::size_t outliers = last_significant;
  if (p.gesdt_siril_quirks) outliers = std::max(outliers, std::min<std::size_t>(done, 2));

  // Replay the removals to mark the outliers.
  const double median = n % 2 == 1 ? double(samples[n / 2].value)
                                   : 0.5 * (double(samples[n / 2 - 1].value) + samples[n / 2].value);
  b = 0;
  e = n;
  for (std::size_t j = 0; j < outliers; ++j) {
    const bool high = (tests[j] & kHighSide) != 0;
    const std::size_t true_position = high ? e - 1 : b;
    if (high) --e; else ++b;
    if (!p.gesdt_siril_quirks) {
      samples[true_position].state = high ? FrameRejection::High : FrameRejection::Low;
      continue;
    }
    // Siril marks a high extreme at N-1-j, whatever was removed below, and
    // names the side by comparing the extreme with the median.
    const double x = samples[true_position].value;
    const std::size_t marked = high ? n - 1 - j : true_position;
    samples[marked].state = x >= median ? FrameRejection::High : FrameRejection::Low;
  }
}

}  // namespace astropack::rejection_detail
