// SPDX-License-Identifier: GPL-3.0-or-later
#include "astropack/image.hpp"

#include <limits>

#include "astropack/error.hpp"

namespace astropack {

Image::Image(std::size_t width, std::size_t height, std::size_t channels, float fill)
    : m_width(width), m_height(height), m_channels(channels) {
  if (channels != 1 && channels != 3) {
    throw Error(ErrorKind::Unsupported, "images have 1 or 3 channels, not " +
                                            std::to_string(channels) + ".");
  }
  const std::size_t limit = std::numeric_limits<std::size_t>::max() / sizeof(float) / 3;
  if (width != 0 && height > limit / width) {
    throw Error(ErrorKind::InvalidInput, "the image size is too large to hold in memory.");
  }
  m_pixels.assign(width * height * channels, fill);
}

ImageView Image::view() noexcept {
  return {m_pixels.data(), m_width, m_height, m_channels, m_width, pixel_count()};
}

ConstImageView Image::view() const noexcept {
  return {m_pixels.data(), m_width, m_height, m_channels, m_width, pixel_count()};
}

}  // namespace astropack
