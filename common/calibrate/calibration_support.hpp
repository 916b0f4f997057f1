// SPDX-License-Identifier: GPL-3.0-or-later
// Small shared pieces of light calibration, cosmetic correction and
// debayering: a row loop that uses OpenMP threads when the image is big
// enough, number text for messages and HISTORY, and geometry sentences.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

#include "astropack/image.hpp"

namespace astropack::calibrate_detail {

// Below this many samples a loop runs on the calling thread.
inline constexpr std::size_t kParallelThreshold = 1u << 15;

// Calls fn(y) for every row y in [0, height); fn must not throw. Rows are
// independent, so the result is the same for any thread count.
template <typename Fn>
void for_each_row(std::size_t height, std::size_t samples, const Fn& fn) {
  const long long rows = static_cast<long long>(height);
  const bool parallel = samples >= kParallelThreshold;
#pragma omp parallel for schedule(static) if (parallel) default(none) shared(fn, rows)
  for (long long y = 0; y < rows; ++y) fn(static_cast<std::size_t>(y));
}

// "0.25", "1e-05", "3".
inline std::string number_text(double value, int digits = 6) {
  char text[40];
  std::snprintf(text, sizeof text, "%.*g", digits, value);
  return text;
}

// "320 x 240 with 1 channel"
inline std::string geometry_text(std::size_t width, std::size_t height, std::size_t channels) {
  std::string text = std::to_string(width);
  text.append(" x ").append(std::to_string(height)).append(" with ");
  text.append(std::to_string(channels)).append(channels == 1 ? " channel" : " channels");
  return text;
}

// Median of about `wanted` finite samples of channel 0, taken at a regular
// stride (enough for a level, far cheaper than a full median). NaN if none.
inline double sampled_median(ConstImageView image, std::size_t wanted = 1u << 18) {
  const std::size_t total = image.pixel_count();
  const std::size_t stride = std::max<std::size_t>(1, total / std::max<std::size_t>(wanted, 1));
  std::vector<float> values;
  values.reserve(total / stride + 1);
  for (std::size_t i = 0; i < total; i += stride) {
    const float v = image.at(0, i / image.width(), i % image.width());
    if (std::isfinite(v)) values.push_back(v);
  }
  if (values.empty()) return std::nan("");
  auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  return *middle;
}

}  // namespace astropack::calibrate_detail
