// SPDX-License-Identifier: GPL-3.0-or-later
// Cropping to a rectangle given as GIMP and Siril show the image: x from the left
// edge, y from the top edge of the picture. The first stored row is the bottom of
// the picture (architecture.md), so the rectangle's top row is stored row
// height - y - 1.
#pragma once

#include <cstddef>
#include <string>

#include "astropack/image.hpp"

namespace astropack {

struct CropParams {
  std::size_t x = 0;       // left edge, pixels from the left of the picture
  std::size_t y = 0;       // top edge, pixels from the top of the picture
  std::size_t width = 0;   // at least 1
  std::size_t height = 0;  // at least 1

  // Throws Error(InvalidArgument) unless the rectangle is non-empty and lies inside
  // an image of image_width x image_height.
  void validate(std::size_t image_width, std::size_t image_height) const;
};

// The pixels inside the rectangle; the header is copied (cropping keeps metadata).
Image crop(const Image& image, const CropParams& params);
Image crop(ConstImageView image, const CropParams& params);

// One line for logs and HISTORY cards.
std::string describe(const CropParams& params);

}  // namespace astropack
