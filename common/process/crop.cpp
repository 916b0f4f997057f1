// SPDX-License-Identifier: GPL-3.0-or-later
#include "astropack/crop.hpp"

#include <algorithm>
#include <string>

#include "astropack/error.hpp"

namespace astropack {

void CropParams::validate(std::size_t image_width, std::size_t image_height) const {
  if (width == 0 || height == 0)
    throw Error(ErrorKind::InvalidArgument,
                "the crop rectangle needs a width and a height of at least 1.");
  if (x >= image_width || y >= image_height || width > image_width - x ||
      height > image_height - y) {
    std::string sentence = "the crop rectangle must lie inside the ";
    sentence.append(std::to_string(image_width)).append(" x ").append(std::to_string(image_height));
    sentence.append(" image.");
    throw Error(ErrorKind::InvalidArgument, sentence);
  }
}

Image crop(ConstImageView image, const CropParams& p) {
  p.validate(image.width(), image.height());
  Image out(p.width, p.height, image.channels());
  // Stored rows run bottom-up in the picture.
  const std::size_t first_stored = image.height() - p.y - p.height;
  for (std::size_t c = 0; c < image.channels(); ++c)
    for (std::size_t y = 0; y < p.height; ++y) {
      const float* in = image.row(c, first_stored + y) + p.x;
      std::copy_n(in, p.width, out.row(c, y));
    }
  return out;
}

Image crop(const Image& image, const CropParams& p) {
  Image out = crop(image.view(), p);
  out.header() = image.header();
  return out;
}

std::string describe(const CropParams& p) {
  std::string text = "crop x=";
  text.append(std::to_string(p.x)).append(" y=").append(std::to_string(p.y));
  text.append(" width=").append(std::to_string(p.width));
  text.append(" height=").append(std::to_string(p.height));
  return text;
}

}  // namespace astropack
