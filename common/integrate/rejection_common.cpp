// SPDX-License-Identifier: GPL-3.0-or-later
// Statistics of the live values shared by the rejection kernels, and the
// clipping pass around a fixed centre.
#include <algorithm>
#include <cmath>

#include "rejection_kernels.hpp"

namespace astropack::rejection_detail {

namespace {

// Sums f(x) over the values in four interleaved partial sums, which the
// compiler can keep in vector registers (one running sum would make every
// addition wait for the previous one).
template <typename F>
double sum_over(std::span<const float> values, F f) {
  const std::size_t n = values.size();
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  std::size_t k = 0;
  for (; k + 4 <= n; k += 4) {
    s0 += f(values[k]);
    s1 += f(values[k + 1]);
    s2 += f(values[k + 2]);
    s3 += f(values[k + 3]);
  }
  for (; k < n; ++k) s0 += f(values[k]);
  return (s0 + s1) + (s2 + s3);
}

// Moves the values below `pivot` to the front of [first, last) and returns
// where the others start. No branch depends on the data (random stacks make
// every such branch a coin toss for the processor): each value is swapped
// with the first value not yet known to be below the pivot, and that position
// advances only when the value was below it.
template <typename Less>
std::size_t partition_front(float* a, std::size_t first, std::size_t last, Less below) {
  std::size_t store = first;
  for (std::size_t i = first; i < last; ++i) {
    const float x = a[i];
    const bool move = below(x);
    a[i] = a[store];
    a[store] = x;
    store += move ? 1 : 0;
  }
  return store;
}

float median_of_three(float a, float b, float c) {
  return std::max(std::min(a, b), std::min(std::max(a, b), c));
}

// The k-th smallest of a[0..n) (0-based); reorders a so that a[0..k) holds
// values <= the result. Quickselect with branch-free partitions, then an
// insertion sort of the last 5 values or fewer (its branches mispredict,
// so partitioning goes on as long as it is cheaper).
float select_kth(float* a, std::size_t n, std::size_t k) {
  std::size_t lo = 0, hi = n;
  while (hi - lo > 5) {
    const float pivot = median_of_three(a[lo], a[lo + (hi - lo) / 2], a[hi - 1]);
    const std::size_t below = partition_front(a, lo, hi, [pivot](float x) { return x < pivot; });
    if (k < below) {
      hi = below;
      continue;
    }
    if (below > lo) {
      lo = below;
      continue;
    }
    // The pivot is the smallest value left: split off the values equal to it,
    // so stacks of equal values end at once.
    const std::size_t equal = partition_front(a, lo, hi, [pivot](float x) { return !(pivot < x); });
    if (k < equal) return pivot;
    lo = equal;
  }
  for (std::size_t i = lo + 1; i < hi; ++i) {
    const float x = a[i];
    std::size_t j = i;
    for (; j > lo && x < a[j - 1]; --j) a[j] = a[j - 1];
    a[j] = x;
  }
  return a[k];
}

// Median of work[0..n), which it reorders.
double median_in_place(float* work, std::size_t n) {
  const std::size_t half = n / 2;
  const double upper = select_kth(work, n, half);
  if (n % 2 == 1) return upper;
  float lower = work[0];
  for (std::size_t i = 1; i < half; ++i) lower = std::max(lower, work[i]);
  return 0.5 * (double(lower) + upper);
}

}  // namespace

double mean_of(const WorkingSet& ws) {
  if (ws.size == 0) return 0.0;
  double sum = 0.0;
  for (std::size_t k = 0; k < ws.size; ++k) sum += ws.value(k);
  return sum / double(ws.size);
}

double median_of(std::span<const float> values, std::span<float> work) {
  const std::size_t n = values.size();
  if (n == 0) return 0.0;
  std::copy(values.begin(), values.end(), work.begin());
  return median_in_place(work.data(), n);
}

double mean_of(std::span<const float> values) {
  if (values.empty()) return 0.0;
  return sum_over(values, [](float x) { return double(x); }) / double(values.size());
}

double squared_deviations(std::span<const float> values, double centre) {
  return sum_over(values, [centre](float x) {
    const double d = double(x) - centre;
    return d * d;
  });
}

double sample_sd(std::span<const float> values, double mean) {
  if (values.size() < 2) return 0.0;
  return std::sqrt(squared_deviations(values, mean) / double(values.size() - 1));
}

double mad_of(std::span<const float> values, double center, std::span<float> work) {
  const std::size_t n = values.size();
  if (n == 0) return 0.0;
  for (std::size_t k = 0; k < n; ++k) work[k] = float(std::fabs(double(values[k]) - center));
  return median_in_place(work.data(), n);
}

namespace {

// More candidates than the budget: sort the live values as the sorted
// kernels see them and let clip_pass choose, so ties fall the same way.
std::size_t clip_sorted(LiveSet& live, double centre, double low_limit, double high_limit,
                        std::size_t budget) {
  const std::size_t n = live.size;
  for (std::size_t k = 0; k < n; ++k)
    live.keys[k] = std::uint64_t{ordered_bits(live.value[k])} << 32 | live.frame[k];
  std::sort(live.keys.begin(), live.keys.begin() + static_cast<std::ptrdiff_t>(n));
  for (std::size_t k = 0; k < n; ++k) {
    const std::uint64_t key = live.keys[k];
    live.sorted[k] = Sample{from_ordered_bits(static_cast<std::uint32_t>(key >> 32)),
                            static_cast<std::uint32_t>(key), FrameRejection::Kept};
    live.index[k] = static_cast<std::uint32_t>(k);
  }
  WorkingSet ws{live.sorted.first(n), live.index, n};
  const std::size_t rejected = clip_pass(
      ws, [centre](std::size_t) { return centre; }, low_limit, high_limit, budget, live.work);
  for (std::size_t k = 0; k < n; ++k)
    if (live.sorted[k].state != FrameRejection::Kept) live.rejected[live.rejected_count++] = live.sorted[k];
  for (std::size_t k = 0; k < ws.size; ++k) {
    live.value[k] = ws.value(k);
    live.frame[k] = ws.sample(k).frame;
  }
  live.size = ws.size;
  return rejected;
}

}  // namespace

std::size_t clip_around(LiveSet& live, double centre, double low_limit, double high_limit,
                        std::size_t budget) {
  const std::size_t n = live.size;
  auto candidate = [=](float x) {
    return (centre - double(x) > low_limit) | (double(x) - centre > high_limit);
  };
  std::size_t candidates = 0;
  for (std::size_t k = 0; k < n; ++k) candidates += candidate(live.value[k]) ? 1 : 0;
  if (candidates == 0 || budget == 0) return 0;
  if (candidates > budget) return clip_sorted(live, centre, low_limit, high_limit, budget);
  std::size_t kept = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const float x = live.value[k];
    if (candidate(x)) {
      live.rejected[live.rejected_count++] =
          Sample{x, live.frame[k], double(x) < centre ? FrameRejection::Low : FrameRejection::High};
    } else {
      live.value[kept] = x;
      live.frame[kept] = live.frame[k];
      ++kept;
    }
  }
  live.size = kept;
  return candidates;
}

}  // namespace astropack::rejection_detail
