// SPDX-License-Identifier: GPL-3.0-or-later
// Per-channel image statistics. Exact (medians by selection, not histograms),
// multithreaded over fixed partitions so the result is identical for any
// thread count. As in Siril, pixels exactly equal to 0 can be skipped: Siril
// uses 0 to mean "no data" (siril-compat.md section 1.7).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "astropack/image.hpp"

namespace astropack {

struct StatisticsOptions {
  bool skip_zeros = true;          // Siril's convention
  bool skip_non_finite = true;     // NaN and Inf are never counted
  double clip_sigma = 3.0;         // for the sigma-clipped mean/sigma
  int clip_iterations = 5;
  bool background_noise = true;    // costs one extra pass
};

struct ChannelStatistics {
  std::size_t count = 0;           // samples used
  std::size_t non_finite = 0;      // NaN or Inf samples seen (and skipped)
  double min = 0, max = 0;
  double mean = 0;
  double median = 0;
  double sigma = 0;                // population standard deviation
  double avg_dev = 0;              // mean absolute deviation from the median
  double mad = 0;                  // median absolute deviation, no 1.4826 factor
  double clipped_mean = 0;         // after iterative k-sigma clipping around the median
  double clipped_sigma = 0;
  double background_noise = 0;     // Siril's bgnoise (CFITSIO noise1 estimator)
};

// One entry per channel of `image` (any view: whole image, band, strided).
// Memory: one copy of the accepted samples of one channel at a time.
// Clipping: starting from all samples, each pass keeps the values within
// clip_sigma * sigma of the median (sigma = population sd of the current set),
// then recomputes median and sigma on what is kept; it stops after
// clip_iterations passes or when a pass keeps everything.
// With skip_non_finite = false, non-finite samples take part: mean and sigma
// follow IEEE arithmetic and, if a NaN is present, min, max and every order
// statistic (median, avg_dev, MAD, clipped values) are NaN.
std::vector<ChannelStatistics> compute_statistics(ConstImageView image,
                                                  const StatisticsOptions& options = {});

// Median of the values (reorders them). Even counts average the two middle
// values. The values must not contain NaN; an empty span gives NaN.
double median_in_place(std::span<float> values);
// Median absolute deviation around `center` (reorders a copy); NaN when empty.
double mad_about(std::span<const float> values, double center);

// Background noise of the first channel of the view as Siril's bgnoise
// (CFITSIO's noise1): per row, first differences of consecutive accepted
// pixels (non-finite always skipped, zeros when skip_zeros), up to 3 passes of
// 5-sigma clipping around their mean, row value = population sigma; rows with
// fewer than 2 differences are skipped; noise = median of the row values /
// sqrt(2). Views narrower than 3 pixels give 0.
double background_noise(ConstImageView channel, bool skip_zeros = true);

struct Histogram {
  double low = 0, high = 1;        // range covered by the bins
  std::vector<std::size_t> bins;
};
// Counts of the first channel's finite values in `bins` equal bins over
// [low, high]; values outside are ignored, `high` itself falls in the last bin.
// Throws InvalidArgument unless bins > 0 and low < high are finite.
Histogram histogram(ConstImageView channel, std::size_t bins, double low, double high);

}  // namespace astropack
