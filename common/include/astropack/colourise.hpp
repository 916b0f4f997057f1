// SPDX-License-Identifier: GPL-3.0-or-later
// GIMP 2.10's Colors > Colorize (gimp:colorize, app/operations/gimpoperationcolorize.c):
// each pixel's luminance L = 0.22248840 R + 0.71690369 G + 0.06060791 B is taken in
// sRGB-encoded numbers, moved by the lightness (l > 0: L(1 - l) + l; l < 0: L(1 + l)),
// and the pixel becomes the HSL colour (hue, saturation, L) converted to RGB with
// libgimpcolor's gimp_hsl_to_rgb. The result is stored back in the image's curve.
// This is how the workflow turns the Ha layer red (hue 0) and OIII cyan (hue 180).
#pragma once

#include <string>

#include "astropack/image.hpp"
#include "astropack/transfer_curve.hpp"

namespace astropack {

struct ColouriseParams {
  double hue = 0.0;          // degrees, 0..360 (0 red, 120 green, 180 cyan, 240 blue)
  double saturation = 50.0;  // percent, 0..100 (GIMP's default is 50)
  double lightness = 0.0;    // percent, -100..100
  Trc storage = Trc::Perceptual;

  // Throws Error(InvalidArgument) naming the valid range of a value outside it.
  void validate() const;
};

// A 3-channel image from a grey or RGB one (a grey input counts as R = G = B).
Image colourise(ConstImageView in, const ColouriseParams& params);

// One RGB pixel in place, numbers in params.storage.
void colourise_pixel(float& r, float& g, float& b, const ColouriseParams& params) noexcept;

// One line for logs and HISTORY cards.
std::string describe(const ColouriseParams& params);

}  // namespace astropack
