// SPDX-License-Identifier: GPL-3.0-or-later
// Things that spoil single frames and that stacking must reject: cosmic-ray
// hits (sharp charge in one pixel or a short track, no optics involved) and a
// satellite trail (a line with the seeing's width crossing the whole frame).
#pragma once

#include <cstddef>
#include <vector>

#include "camera_model.hpp"
#include "random.hpp"

namespace astropack::simulate {

struct CosmicRay {
  std::size_t x = 0, y = 0;  // the first (brightest) pixel of the track
  double electrons = 0.0;    // total charge
  int length = 1;            // pixels along the track
  std::vector<Deposit> deposits;
};

// `mean` hits over a width x height frame, at least `minimum`.
std::vector<CosmicRay> make_cosmic_rays(Rng& rng, double mean, int minimum, std::size_t width,
                                        std::size_t height);

struct SatelliteTrail {
  double x0 = 0.0, y0 = 0.0, x1 = 0.0, y1 = 0.0;  // where it enters and leaves the frame
  double sigma = 1.0;                             // cross-section, pixels
  double peak = 0.0;                              // photo-electrons at the centre line
};

SatelliteTrail make_satellite(Rng& rng, std::size_t width, std::size_t height, double fwhm,
                              double peak);

// Adds the trail's photo-electrons (calibrated units) to a width x height plane.
void add_satellite(std::vector<float>& plane, std::size_t width, std::size_t height,
                   const SatelliteTrail& trail);

}  // namespace astropack::simulate
