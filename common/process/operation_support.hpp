// SPDX-License-Identifier: GPL-3.0-or-later
// Small shared pieces of the point operations in this folder: range checks
// whose errors name the valid range, compact number formatting for HISTORY
// lines, and an OpenMP loop over rows used only when the image is big enough
// to pay for the threads. Per-row work is independent, so results do not
// depend on the thread count.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>

#include "astropack/error.hpp"
#include "astropack/image.hpp"

namespace astropack::process_detail {

// "0.25", "1e-05", "3": short and exact enough for a message or a HISTORY card.
inline std::string format_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

// Throws InvalidArgument unless low <= value <= high (NaN always fails).
inline void require_range(double value, double low, double high, std::string_view what) {
  if (value >= low && value <= high) return;
  std::string sentence(what);
  sentence.append(" must be between ").append(format_number(low)).append(" and ");
  sentence.append(format_number(high)).append("; got ").append(format_number(value)).append(".");
  throw Error(ErrorKind::InvalidArgument, sentence);
}

// Throws InvalidArgument when the two views differ in geometry.
inline void require_same_shape(ConstImageView in, ImageView out, std::string_view operation) {
  if (in.width() == out.width() && in.height() == out.height() &&
      in.channels() == out.channels())
    return;
  std::string sentence(operation);
  sentence.append(": the output must have the size and channel count of the input.");
  throw Error(ErrorKind::InvalidArgument, sentence);
}

inline void require_rgb(ConstImageView in, std::string_view operation) {
  if (in.channels() == 3) return;
  std::string sentence(operation);
  sentence.append(" needs an RGB image (3 channels); this one has ");
  sentence.append(std::to_string(in.channels())).append(in.channels() == 1 ? " channel." : " channels.");
  throw Error(ErrorKind::InvalidInput, sentence);
}

// Below this many samples a loop runs on the calling thread.
inline constexpr std::size_t kParallelThreshold = 1u << 16;

// Calls fn(y) for every row; fn must not throw.
template <typename Fn>
void for_each_row(std::size_t height, std::size_t samples, const Fn& fn) {
  const long long rows = static_cast<long long>(height);
  const bool parallel = samples >= kParallelThreshold;
#pragma omp parallel for schedule(static) if (parallel) default(none) shared(fn, rows)
  for (long long y = 0; y < rows; ++y) fn(static_cast<std::size_t>(y));
}

}  // namespace astropack::process_detail
