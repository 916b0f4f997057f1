// SPDX-License-Identifier: GPL-3.0-or-later
// Star images: a Moffat profile (the usual model of seeing-limited stars),
// integrated over each pixel, optionally drawn out along a line for a frame
// whose tracking slipped during the exposure.
#pragma once

#include <cstddef>

namespace astropack::simulate {

struct Psf {
  double fwhm = 2.8;      // pixels
  double beta = 3.0;      // Moffat exponent
  double trail_dx = 0.0;  // the star moves by this vector during the exposure
  double trail_dy = 0.0;

  // Moffat alpha for this FWHM and beta.
  double alpha() const noexcept;
  // Peak value of a round (untrailed) star of unit flux.
  double peak_per_flux() const noexcept;
};

// Where a pixel's value comes from: one channel for every pixel, or the colour
// of a Bayer RGGB site.
struct ChannelLayout {
  bool bayer = false;
  int channel = 0;  // when not bayer
  int at(std::size_t x, std::size_t y) const noexcept;
};

// Adds a star of `flux` (total, before the per-channel `colour` factors) centred
// at (cx, cy) to a width x height plane.
void add_star(float* plane, std::size_t width, std::size_t height, double cx, double cy,
              double flux, const double colour[3], ChannelLayout layout, const Psf& psf);

// How far from its centre a star of this flux still adds `floor` per pixel.
double star_radius(const Psf& psf, double flux, double floor) noexcept;

}  // namespace astropack::simulate
