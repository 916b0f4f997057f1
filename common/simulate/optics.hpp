// SPDX-License-Identifier: GPL-3.0-or-later
// The optical train's illumination of the sensor: radial vignetting around an
// optical centre slightly off the frame centre, and out-of-focus dust shadows
// (soft donuts with a brighter centre, as the central obstruction or the
// aperture's image makes them). Both multiply light, never dark current.
#pragma once

#include <vector>

#include "astropack/simulate.hpp"

namespace astropack::simulate {

struct DustMote {
  double x = 0.0, y = 0.0;  // centre, stored pixel coordinates
  double radius = 0.0;      // outer radius, pixels
  double depth = 0.0;       // fraction of light removed in the ring
};

struct Optics {
  double centre_x = 0.0, centre_y = 0.0;  // optical axis on the sensor
  double vignetting_radius = 0.0;         // r0 of (1 + (r / r0)^2)^-2
  std::vector<DustMote> motes;
  // width x height illumination, 1 on the optical axis away from dust.
  std::vector<float> illumination;

  double vignetting(double x, double y) const noexcept;
};

// Attenuation of one mote at a distance from its centre (0 = no shadow).
double dust_attenuation(const DustMote& mote, double distance) noexcept;

Optics make_optics(const SimulationPlan& plan);

}  // namespace astropack::simulate
