// SPDX-License-Identifier: GPL-3.0-or-later
// Background noise per channel, as Siril's bgnoise (siril-compat.md section
// 4.1, CFITSIO's noise1 estimator; zeros are skipped as "no data"), and the
// noise ratio of a processed image to its source: processed noise / source
// noise per channel. Practitioners watch it while stretching and try to keep
// it close to 1.
#pragma once

#include <vector>

#include "astropack/image.hpp"

namespace astropack {

// One value per channel, in normalised units (Siril prints it x65535 too).
std::vector<double> background_noise_per_channel(ConstImageView image);

struct ChannelNoiseRatio {
  double source = 0;     // bgnoise of the source channel
  double processed = 0;  // bgnoise of the processed channel
  double ratio = 0;      // processed / source; NaN when the source noise is 0
};

// Both images must have the same channel count (their sizes may differ, e.g.
// after a crop). Throws Error(InvalidInput) otherwise.
std::vector<ChannelNoiseRatio> noise_ratio(ConstImageView processed, ConstImageView source);

}  // namespace astropack
