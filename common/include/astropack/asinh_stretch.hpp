// SPDX-License-Identifier: GPL-3.0-or-later
// Modified arcsinh stretch as Siril's asinh (siril-compat.md section 4.7).
// With stretch factor beta and black point o, every sample first becomes
//   x' = max(0, (x - o) / (1 - o))
// Mono:  y = x' k,  k = asinh(beta x') / (x' asinh beta).
// RGB:   Y = w_r r' + w_g g' + w_b b' and each channel becomes c' k with
//        k = asinh(beta Y) / (Y asinh beta); the weights are 0.3333 each (Siril's
//        constants, so grey data lose 1e-4 of their level as in Siril) or
//        0.2126 / 0.7152 / 0.0722 with `rgb_working_space` (Siril's GUI option).
// k is 0 when the luminance is 0 and 1 when beta is 0.
// Clamping follows Siril's formula and is deliberate: negatives become 0 at the
// first step and every output is clipped to [0, 1].
#pragma once

#include <string>

#include "astropack/image.hpp"

namespace astropack {

struct AsinhParams {
  double stretch = 1.0;            // beta, [0, 10000]; 0 leaves the data unchanged (apart from the clamps)
  double black_point = 0.0;        // o, [0, 0.99]
  bool rgb_working_space = false;  // luminance weights 0.2126/0.7152/0.0722 instead of 1/3

  void validate() const;  // throws Error(InvalidArgument) naming the valid range
};

// `in` and `out` have the same geometry (1 or 3 channels) and may be the same view.
void asinh_stretch(ConstImageView in, ImageView out, const AsinhParams& params);

std::string describe(const AsinhParams& params);

}  // namespace astropack
