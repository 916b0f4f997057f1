// SPDX-License-Identifier: GPL-3.0-or-later
// Exact per-channel statistics. Every reduction runs over a fixed partition
// (one row of the image, or a fixed-size chunk of the sample copy) whose
// partial sums are added in partition order, so the result does not depend on
// how many threads OpenMP uses.
#include "astropack/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "astropack/error.hpp"

namespace astropack {

namespace {

// Chunk of the sample copy summed by one task; fixed so results never depend
// on the thread count.
constexpr std::size_t kChunk = std::size_t{1} << 16;
// Below this many samples the threads cost more than they save.
constexpr std::size_t kParallelMin = std::size_t{1} << 15;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Sum of term(x) over data[0..n), in fixed chunks added in order.
template <typename Term>
double chunked_sum(const float* data, std::size_t n, Term term) {
  const std::size_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<double> partial(chunks, 0.0);
#pragma omp parallel for schedule(static) default(none) shared(partial, data, term) \
    firstprivate(n, chunks) if (n >= kParallelMin)
  for (std::size_t c = 0; c < chunks; ++c) {
    const std::size_t end = std::min(n, (c + 1) * kChunk);
    double s = 0.0;
    for (std::size_t i = c * kChunk; i < end; ++i) s += term(data[i]);
    partial[c] = s;
  }
  double total = 0.0;
  for (double p : partial) total += p;
  return total;
}

struct MeanSigma {
  double mean = 0, sigma = 0;
};

// Two-pass mean and population standard deviation of data[0..n).
MeanSigma mean_sigma(const float* data, std::size_t n) {
  if (n == 0) return {};
  const double mean = chunked_sum(data, n, [](float v) { return double(v); }) / double(n);
  const double ss = chunked_sum(data, n, [mean](float v) {
    const double d = double(v) - mean;
    return d * d;
  });
  return {mean, std::sqrt(ss / double(n))};
}

// Exact median of a finite range, reordering it. Even counts average the two
// middle values.
template <typename T>
double median_of(T* first, std::size_t n) {
  if (n == 0) return kNaN;
  T* mid = first + n / 2;
  std::nth_element(first, mid, first + n);
  const double upper = double(*mid);
  if (n % 2 == 1) return upper;
  // After nth_element the lower half holds the smaller values: its maximum is
  // the other middle value.
  const double lower = double(*std::max_element(first, mid));
  return 0.5 * (lower + upper);
}

// Per-row partial results of the first pass.
struct RowPartial {
  std::size_t count = 0;
  std::size_t non_finite = 0;
  std::size_t nan = 0;
  double sum = 0;
  float min = std::numeric_limits<float>::infinity();
  float max = -std::numeric_limits<float>::infinity();
};

bool accepted(float v, const StatisticsOptions& options) {
  if (options.skip_zeros && v == 0.0f) return false;
  if (options.skip_non_finite && !std::isfinite(v)) return false;
  return true;
}

// Clipped population sigma of one row's first differences, as CFITSIO's
// noise1: up to 3 passes of 5-sigma clipping around the mean (strictly inside
// is kept). Returns NaN when the row has fewer than 2 differences.
double row_difference_sigma(const float* row, std::size_t width, bool skip_zeros,
                            std::vector<double>& diffs) {
  diffs.clear();
  bool have_previous = false;
  double previous = 0;
  for (std::size_t x = 0; x < width; ++x) {
    const float v = row[x];
    if (!std::isfinite(v) || (skip_zeros && v == 0.0f)) continue;
    if (have_previous) diffs.push_back(previous - double(v));
    previous = double(v);
    have_previous = true;
  }
  std::size_t n = diffs.size();
  if (n < 2) return kNaN;

  auto stats = [&diffs](std::size_t count) {
    double sum = 0;
    for (std::size_t i = 0; i < count; ++i) sum += diffs[i];
    const double mean = sum / double(count);
    double ss = 0;
    for (std::size_t i = 0; i < count; ++i) ss += (diffs[i] - mean) * (diffs[i] - mean);
    return MeanSigma{mean, std::sqrt(ss / double(count))};
  };
  MeanSigma ms = stats(n);
  for (int pass = 0; pass < 3 && ms.sigma > 0; ++pass) {
    const double limit = 5.0 * ms.sigma;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (std::fabs(diffs[i] - ms.mean) < limit) diffs[kept++] = diffs[i];
    }
    if (kept == n || kept == 0) break;
    n = kept;
    ms = stats(n);
  }
  return ms.sigma;
}

ChannelStatistics channel_statistics(ConstImageView channel, const StatisticsOptions& options) {
  ChannelStatistics out;
  const std::size_t width = channel.width();
  const std::size_t height = channel.height();
  if (width == 0 || height == 0) return out;

  // Pass 1, per row: count, non-finite count, sum, min, max.
  std::vector<RowPartial> rows(height);
  const bool parallel = width * height >= kParallelMin;
#pragma omp parallel for schedule(static) default(none) shared(rows, channel, options) \
    firstprivate(width, height) if (parallel)
  for (std::size_t y = 0; y < height; ++y) {
    RowPartial p;
    const float* row = channel.row(0, y);
    for (std::size_t x = 0; x < width; ++x) {
      const float v = row[x];
      if (!std::isfinite(v)) {
        ++p.non_finite;
        if (std::isnan(v)) ++p.nan;
      }
      if (!accepted(v, options)) continue;
      ++p.count;
      p.sum += double(v);
      p.min = std::min(p.min, v);  // a NaN (kept on request) leaves min/max alone
      p.max = std::max(p.max, v);
    }
    rows[y] = p;
  }

  std::vector<std::size_t> offset(height + 1, 0);
  RowPartial total;
  for (std::size_t y = 0; y < height; ++y) {
    const RowPartial& p = rows[y];
    offset[y + 1] = offset[y] + p.count;
    total.count += p.count;
    total.non_finite += p.non_finite;
    total.nan += options.skip_non_finite ? 0 : p.nan;
    total.sum += p.sum;
    total.min = std::min(total.min, p.min);
    total.max = std::max(total.max, p.max);
  }
  out.count = total.count;
  out.non_finite = total.non_finite;
  if (options.background_noise) out.background_noise = background_noise(channel, options.skip_zeros);
  if (total.count == 0) return out;
  out.min = total.nan > 0 ? kNaN : double(total.min);
  out.max = total.nan > 0 ? kNaN : double(total.max);

  // The one copy of the channel: accepted samples in row order.
  const std::size_t n = total.count;
  std::vector<float> copy(n);
  float* samples = copy.data();
#pragma omp parallel for schedule(static) default(none) \
    shared(offset, channel, options, samples) firstprivate(width, height) if (parallel)
  for (std::size_t y = 0; y < height; ++y) {
    const float* row = channel.row(0, y);
    std::size_t k = offset[y];
    for (std::size_t x = 0; x < width; ++x)
      if (accepted(row[x], options)) samples[k++] = row[x];
  }

  const MeanSigma all = mean_sigma(samples, n);
  out.mean = all.mean;
  out.sigma = all.sigma;
  if (total.nan > 0) {
    // Order statistics of a set holding NaN are undefined.
    out.median = out.avg_dev = out.mad = out.clipped_mean = out.clipped_sigma = kNaN;
    return out;
  }

  const double median = median_of(samples, n);
  out.median = median;
  out.avg_dev =
      chunked_sum(samples, n, [median](float v) { return std::fabs(double(v) - median); }) /
      double(n);

  // k-sigma clipping around the median; the kept set is the prefix samples[0..kept).
  std::size_t kept = n;
  double center = median;
  MeanSigma clipped = all;
  for (int it = 0; it < options.clip_iterations && clipped.sigma > 0; ++it) {
    const double lo = center - options.clip_sigma * clipped.sigma;
    const double hi = center + options.clip_sigma * clipped.sigma;
    float* end = std::partition(samples, samples + kept, [lo, hi](float v) {
      return double(v) >= lo && double(v) <= hi;
    });
    const std::size_t now = static_cast<std::size_t>(end - samples);
    if (now == kept || now == 0) break;
    kept = now;
    center = median_of(samples, kept);
    clipped = mean_sigma(samples, kept);
  }
  out.clipped_mean = clipped.mean;
  out.clipped_sigma = clipped.sigma;

  // MAD last: it overwrites the copy with the absolute deviations.
#pragma omp parallel for schedule(static) default(none) shared(samples) firstprivate(n, median) \
    if (n >= kParallelMin)
  for (std::size_t i = 0; i < n; ++i) samples[i] = float(std::fabs(double(samples[i]) - median));
  out.mad = median_of(samples, n);
  return out;
}

}  // namespace

std::vector<ChannelStatistics> compute_statistics(ConstImageView image,
                                                  const StatisticsOptions& options) {
  std::vector<ChannelStatistics> result;
  result.reserve(image.channels());
  for (std::size_t c = 0; c < image.channels(); ++c)
    result.push_back(channel_statistics(image.plane(c), options));
  return result;
}

double median_in_place(std::span<float> values) {
  return median_of(values.data(), values.size());
}

double mad_about(std::span<const float> values, double center) {
  std::vector<float> deviations(values.size());
  for (std::size_t i = 0; i < values.size(); ++i)
    deviations[i] = float(std::fabs(double(values[i]) - center));
  return median_of(deviations.data(), deviations.size());
}

double background_noise(ConstImageView channel, bool skip_zeros) {
  const std::size_t width = channel.width();
  const std::size_t height = channel.height();
  if (width < 3 || height == 0 || channel.channels() == 0) return 0.0;

  std::vector<double> row_sigma(height, kNaN);
  const bool parallel = width * height >= kParallelMin;
#pragma omp parallel default(none) shared(row_sigma, channel) \
    firstprivate(width, height, skip_zeros) if (parallel)
  {
    std::vector<double> diffs;
    diffs.reserve(width);
#pragma omp for schedule(static)
    for (std::size_t y = 0; y < height; ++y)
      row_sigma[y] = row_difference_sigma(channel.row(0, y), width, skip_zeros, diffs);
  }
  // Keep the rows that had enough differences, in row order.
  std::size_t rows = 0;
  for (double s : row_sigma)
    if (!std::isnan(s)) row_sigma[rows++] = s;
  if (rows == 0) return 0.0;
  return median_of(row_sigma.data(), rows) / std::sqrt(2.0);
}

Histogram histogram(ConstImageView channel, std::size_t bins, double low, double high) {
  if (bins == 0 || !(high > low) || !std::isfinite(low) || !std::isfinite(high)) {
    throw Error(ErrorKind::InvalidArgument,
                "a histogram needs at least one bin and a finite range with high above low.");
  }
  Histogram h;
  h.low = low;
  h.high = high;
  h.bins.assign(bins, 0);
  const std::size_t width = channel.width();
  const std::size_t height = channel.channels() == 0 ? 0 : channel.height();
  const double scale = double(bins) / (high - low);
  const bool parallel = width * height >= kParallelMin;
  std::vector<std::size_t>& counts = h.bins;
  // Integer counts add up exactly in any order, so per-thread tallies are safe.
#pragma omp parallel default(none) shared(counts, channel) \
    firstprivate(width, height, bins, low, high, scale) if (parallel)
  {
    std::vector<std::size_t> local(bins, 0);
#pragma omp for schedule(static)
    for (std::size_t y = 0; y < height; ++y) {
      const float* row = channel.row(0, y);
      for (std::size_t x = 0; x < width; ++x) {
        const double v = row[x];
        if (!(v >= low && v <= high)) continue;  // also drops NaN
        const std::size_t b = std::min(bins - 1, static_cast<std::size_t>((v - low) * scale));
        ++local[b];
      }
    }
#pragma omp critical(astropack_histogram)
    for (std::size_t b = 0; b < bins; ++b) counts[b] += local[b];
  }
  return h;
}

}  // namespace astropack
