// SPDX-License-Identifier: GPL-3.0-or-later
// GIMP 2.10's Colors > Levels on the Value channel (gimp:levels,
// app/operations/gimpoperationlevels.c), applied to R, G and B alike:
//   v = (v - black) / (white - black)          (v - black when they are equal)
//   v = clamp(v, 0, 1)                          only with clamp_input
//   v = v ^ (1 / gamma)                         only for v > 0
//   v = v * (out_white - out_black) + out_black
//   v = clamp(v, 0, 1)                          only with clamp_output
// GIMP evaluates this on sRGB-encoded numbers by default (the "trc" of its levels
// configuration is non-linear; gimp-drawable-levels uses it), whatever the image's
// own precision: `working` says where, `storage` how the image holds its numbers.
// With working == storage the formula applies to the stored numbers directly, which
// is what an astronomer means by "black point" on linear data.
#pragma once

#include <string>

#include "astropack/image.hpp"
#include "astropack/transfer_curve.hpp"

namespace astropack {

struct LevelsParams {
  double black_point = 0.0;   // input low, 0..1
  double white_point = 1.0;   // input high, 0..1, above black_point
  double gamma = 1.0;         // 0.1..10; above 1 brightens the mid-tones
  double output_black = 0.0;  // 0..1
  double output_white = 1.0;  // 0..1
  bool clamp_input = false;
  bool clamp_output = false;
  Trc working = Trc::Perceptual;  // where the formula is evaluated (GIMP's default)
  Trc storage = Trc::Perceptual;  // how the image's numbers are encoded

  // Throws Error(InvalidArgument) naming the valid range of a value outside it.
  void validate() const;
  bool is_identity() const noexcept;
};

// One value in `working` space.
double levels_map(double value, const LevelsParams& params) noexcept;

// All channels in place.
void levels(ImageView image, const LevelsParams& params);

// One line for logs and HISTORY cards.
std::string describe(const LevelsParams& params);

}  // namespace astropack
