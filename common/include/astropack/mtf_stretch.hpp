// SPDX-License-Identifier: GPL-3.0-or-later
// Midtones transfer function stretch and automatic stretch, as Siril's mtf and
// autostretch (siril-compat.md section 4.8).
//   MTF(x; m, lo, hi) = 0 if x <= lo, 1 if x >= hi, otherwise with
//   p = (x - lo) / (hi - lo):  (m - 1) p / ((2m - 1) p - m).
// The clamping to [0, 1] outside [lo, hi] is part of the formula.
//
// Autostretch works per channel from med = median and mad = 1.4826 MAD of the
// non-zero samples (zeros mean "no data" in Siril; 0.001 replaces a MAD of 0):
//   normal case (some channel has med <= 0.5):
//     lo = med + C mad, hi = 1, m = MTF(med - lo; B, 0, 1)
//   inverted case (every channel has med > 0.5):
//     hi = med - C mad, lo = 0, m = 1 - MTF(hi - med; B, 0, 1)
// with C the shadows clipping (sigma units, -2.8) and B the target background
// (0.25). Linked (Siril 1.0's GUI): lo (or hi) and med are averaged over the
// channels first and one MTF serves all, and the average lo is clamped at 0
// (hi at 1). Unlinked (Siril 1.2's default): one MTF per channel, each clamped.
#pragma once

#include <string>
#include <vector>

#include "astropack/image.hpp"

namespace astropack {

struct MtfParams {
  double shadows = 0.0;     // lo, [0, 1)
  double midtones = 0.5;    // m, (0, 1); 0.5 is the identity on [lo, hi]
  double highlights = 1.0;  // hi, (lo, 1]

  void validate() const;  // throws Error(InvalidArgument) naming the valid range
};

// The transfer function itself, for one value.
double mtf(double x, double midtones, double shadows = 0.0, double highlights = 1.0) noexcept;

// Applies the same MTF to every channel. `in` and `out` may be the same view.
void mtf_stretch(ConstImageView in, ImageView out, const MtfParams& params);
// One MTF per channel (params.size() == channels).
void mtf_stretch(ConstImageView in, ImageView out, const std::vector<MtfParams>& params);

struct AutostretchParams {
  double shadows_clipping = -2.8;   // C, sigma units, [-10, 0]
  double target_background = 0.25;  // B, (0, 1) exclusive: [0.001, 0.999]
  bool linked = false;              // one MTF for all channels

  void validate() const;
};

// The MTF parameters autostretch would use, one entry per channel (all equal
// when linked). Channels without any non-zero finite sample count as median 0, MAD 0.
std::vector<MtfParams> autostretch_parameters(ConstImageView image,
                                              const AutostretchParams& params);

// Computes the parameters on `in`, applies them, and returns them.
std::vector<MtfParams> autostretch(ConstImageView in, ImageView out,
                                   const AutostretchParams& params);

std::string describe(const MtfParams& params);
std::string describe(const AutostretchParams& params);

}  // namespace astropack
