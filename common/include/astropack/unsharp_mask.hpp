// SPDX-License-Identifier: GPL-3.0-or-later
// Unsharp mask as GEGL 0.4 computes gegl:unsharp-mask, the filter behind GIMP 2.10's
// Filters > Enhance > Sharpen (Unsharp Mask) and plug-in-unsharp-mask:
//   d   = v - gaussian_blur(v, radius)                 (clamped edges, GEGL's blur)
//   out = v + amount * d                               (threshold 0)
// With a threshold t > 0.0001 the difference only applies where it is large: a mask
// is 1 where the sRGB-encoded luminance of 2|d| reaches t and 0 elsewhere, softened
// by a blur of standard deviation 1, and out = v + amount * d * mask.
// GEGL does all of this in linear light, whatever the image's precision; `storage`
// says how the image holds its numbers. plug-in-unsharp-mask's integer threshold
// 0..255 is t * 255.
#pragma once

#include <string>

#include "astropack/image.hpp"
#include "astropack/transfer_curve.hpp"

namespace astropack {

struct UnsharpMaskParams {
  double radius = 3.0;     // standard deviation of the blur, pixels, 0..1500
  double amount = 0.5;     // strength, 0..300
  double threshold = 0.0;  // 0..1
  Trc storage = Trc::Perceptual;

  // Throws Error(InvalidArgument) naming the valid range of a value outside it.
  void validate() const;
};

// Sharpens every channel in place (a grey image as a grey RGB one).
void unsharp_mask(ImageView image, const UnsharpMaskParams& params);

// One line for logs and HISTORY cards.
std::string describe(const UnsharpMaskParams& params);

}  // namespace astropack
