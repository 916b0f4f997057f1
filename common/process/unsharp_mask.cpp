// SPDX-License-Identifier: GPL-3.0-or-later
// gegl:unsharp-mask's graph as straight-line code; see unsharp_mask.hpp.
#include "astropack/unsharp_mask.hpp"

#include <cmath>
#include <vector>

#include "astropack/error.hpp"
#include "astropack/gaussian_blur.hpp"
#include "describe_number.hpp"

namespace astropack {

void UnsharpMaskParams::validate() const {
  if (!(radius >= 0.0 && radius <= 1500.0))
    throw Error(ErrorKind::InvalidArgument,
                "the unsharp mask radius must be between 0 and 1500 pixels.");
  if (!(amount >= 0.0 && amount <= 300.0))
    throw Error(ErrorKind::InvalidArgument, "the unsharp mask amount must be between 0 and 300.");
  if (!(threshold >= 0.0 && threshold <= 1.0))
    throw Error(ErrorKind::InvalidArgument,
                "the unsharp mask threshold must be between 0 and 1 (0 to 255 in GIMP).");
}

namespace {

Image linear_copy(ConstImageView image, Trc storage) {
  Image copy(image.width(), image.height(), image.channels());
  for (std::size_t c = 0; c < image.channels(); ++c)
    for (std::size_t y = 0; y < image.height(); ++y) {
      const float* in = image.row(c, y);
      float* out = copy.row(c, y);
      for (std::size_t x = 0; x < image.width(); ++x)
        out[x] = convert_trc(in[x], storage, Trc::Linear);
    }
  return copy;
}

// GEGL's mask: threshold on Y' of 2|d| (babl's sRGB luminance, then the sRGB
// curve), blurred with a standard deviation of 1.
Image threshold_mask(const Image& difference, double threshold) {
  const std::size_t w = difference.width(), h = difference.height();
  const bool grey = difference.channels() == 1;
  Image mask(w, h, 1);
  for (std::size_t y = 0; y < h; ++y)
    for (std::size_t x = 0; x < w; ++x) {
      const double r = 2.0f * std::fabs(difference.at(0, y, x));
      const double g = grey ? r : 2.0f * std::fabs(difference.at(1, y, x));
      const double b = grey ? r : 2.0f * std::fabs(difference.at(2, y, x));
      const float luminance = static_cast<float>(0.2225045 * r + 0.7168786 * g + 0.0606169 * b);
      mask.at(0, y, x) = linear_to_srgb(luminance) >= static_cast<float>(threshold) ? 1.0f : 0.0f;
    }
  GaussianBlurParams soften;
  soften.std_dev_x = soften.std_dev_y = 1.0;
  soften.working = soften.storage = Trc::Linear;
  gaussian_blur(mask.view(), soften);
  return mask;
}

}  // namespace

void unsharp_mask(ImageView image, const UnsharpMaskParams& params) {
  params.validate();
  if (image.empty()) return;
  Image linear = linear_copy(image, params.storage);
  Image blurred = linear;
  GaussianBlurParams blur;
  blur.std_dev_x = blur.std_dev_y = params.radius;
  blur.working = blur.storage = Trc::Linear;
  gaussian_blur(blurred.view(), blur);

  // Reuse `blurred` for the difference.
  std::vector<float>& d = blurred.samples();
  const std::vector<float>& v = linear.samples();
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = v[i] - d[i];

  const bool masked = params.threshold > 0.0001;
  const Image mask = masked ? threshold_mask(blurred, params.threshold) : Image();
  const float amount = static_cast<float>(params.amount);
  const std::size_t w = image.width(), h = image.height();
  for (std::size_t c = 0; c < image.channels(); ++c)
    for (std::size_t y = 0; y < h; ++y) {
      float* out = image.row(c, y);
      const float* lin = linear.row(c, y);
      const float* diff = blurred.row(c, y);
      for (std::size_t x = 0; x < w; ++x) {
        float delta = diff[x];
        if (masked) delta *= mask.at(0, y, x);
        out[x] = convert_trc(delta * amount + lin[x], Trc::Linear, params.storage);
      }
    }
}

std::string describe(const UnsharpMaskParams& p) {
  using compositing_detail::number_text;
  std::string text = "unsharp-mask radius=";
  text.append(number_text(p.radius)).append(" amount=").append(number_text(p.amount));
  text.append(" threshold=").append(number_text(p.threshold));
  text.append(" trc=").append(to_string(p.storage));
  return text;
}

}  // namespace astropack
