// SPDX-License-Identifier: GPL-3.0-or-later
#include "astropack/noise_ratio.hpp"

#include <limits>
#include <string>

#include "astropack/error.hpp"
#include "astropack/statistics.hpp"

namespace astropack {

std::vector<double> background_noise_per_channel(ConstImageView image) {
  std::vector<double> noise(image.channels(), 0.0);
  for (std::size_t c = 0; c < image.channels(); ++c)
    noise[c] = background_noise(image.plane(c), /*skip_zeros=*/true);
  return noise;
}

std::vector<ChannelNoiseRatio> noise_ratio(ConstImageView processed, ConstImageView source) {
  if (processed.channels() != source.channels()) {
    std::string sentence = "the processed image has ";
    sentence.append(std::to_string(processed.channels())).append(" channel(s) but its source has ");
    sentence.append(std::to_string(source.channels()))
        .append("; compare an image with the one it was made from.");
    throw Error(ErrorKind::InvalidInput, sentence);
  }
  const std::vector<double> after = background_noise_per_channel(processed);
  const std::vector<double> before = background_noise_per_channel(source);
  std::vector<ChannelNoiseRatio> result(after.size());
  for (std::size_t c = 0; c < after.size(); ++c) {
    result[c].source = before[c];
    result[c].processed = after[c];
    result[c].ratio = before[c] > 0.0 ? after[c] / before[c]
                                      : std::numeric_limits<double>::quiet_NaN();
  }
  return result;
}

}  // namespace astropack
