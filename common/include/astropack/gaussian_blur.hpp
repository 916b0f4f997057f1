// SPDX-License-Identifier: GPL-3.0-or-later
// Gaussian blur as GEGL 0.4 computes gegl:gaussian-blur (operations/common/gblur-1d.c),
// the blur behind GIMP 2.10's Filters > Blur > Gaussian Blur:
// - separable: a horizontal pass with std_dev_x, then a vertical pass with std_dev_y,
//   each stored as float in between;
// - per pass, "auto" picks a sampled kernel (FIR) below a standard deviation of 1 and
//   the Young / van Vliet recursive filter (IIR, with Triggs' right-edge correction)
//   from 1 up. The FIR kernel has ceil(6.5 sigma) taps made odd, normalised to 1.
//   The IIR filter only approximates a Gaussian: its impulse response is wider than
//   the nominal standard deviation (by 24% at 1 pixel, 13% at 2, 10% at 3 to 10) and
//   departs from exp(-x^2/2s^2) by up to 9% of the peak. GIMP's pixels carry the
//   same shape, so this follows GEGL; choose filter = Fir for a true Gaussian;
// - edges: "clamp" repeats the edge pixels (GIMP's choice), "black" reads zeros;
// - the vertical pass runs down the picture (from the last stored row to the first),
//   as GEGL does; near the edges the recursive filter depends on the direction.
// Where: GIMP's plug-in-gauss procedure (scripts, other plug-ins) blurs the stored
// numbers whatever the precision: working == storage, the default. GIMP's interactive
// Filters > Blur > Gaussian Blur lets GEGL convert to linear light: working = Linear.
#pragma once

#include <string>

#include "astropack/image.hpp"
#include "astropack/transfer_curve.hpp"

namespace astropack {

enum class BlurFilter { Auto, Fir, Iir };
enum class BlurEdges { Clamp, Black };

struct GaussianBlurParams {
  double std_dev_x = 1.5;  // pixels, 0..1500 (0 leaves the axis alone)
  double std_dev_y = 1.5;  // pixels, 0..1500
  BlurFilter filter = BlurFilter::Auto;
  BlurEdges edges = BlurEdges::Clamp;
  Trc working = Trc::Perceptual;  // where the blur happens (= storage: the stored numbers)
  Trc storage = Trc::Perceptual;  // how the image's numbers are encoded

  // Throws Error(InvalidArgument) naming the valid range of a value outside it.
  void validate() const;
};

// GIMP's plug-in-gauss "radius" to GEGL's standard deviation (radius * 0.32).
constexpr double gimp_radius_to_std_dev(double radius) noexcept { return radius * 0.32; }

// Blurs every channel in place.
void gaussian_blur(ImageView image, const GaussianBlurParams& params);

// One line for logs and HISTORY cards.
std::string describe(const GaussianBlurParams& params);

}  // namespace astropack
