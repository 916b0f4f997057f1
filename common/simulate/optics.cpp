// SPDX-License-Identifier: GPL-3.0-or-later
#include "optics.hpp"

#include <algorithm>
#include <cmath>

#include "random.hpp"

namespace astropack::simulate {

namespace {

double soft_step(double t, double width) noexcept { return 1.0 / (1.0 + std::exp(-t / width)); }

}  // namespace

double Optics::vignetting(double x, double y) const noexcept {
  const double r2 = ((x - centre_x) * (x - centre_x) + (y - centre_y) * (y - centre_y)) /
                    (vignetting_radius * vignetting_radius);
  return 1.0 / ((1.0 + r2) * (1.0 + r2));
}

double dust_attenuation(const DustMote& mote, double distance) noexcept {
  // A dark ring of radius `radius` whose centre lets 70 % of the ring's loss through.
  const double edge = 0.12 * mote.radius;
  const double outer = soft_step(mote.radius - distance, edge);
  const double inner = soft_step(0.45 * mote.radius - distance, edge);
  return mote.depth * (outer - 0.7 * inner);
}

Optics make_optics(const SimulationPlan& plan) {
  const double width = static_cast<double>(plan.width);
  const double height = static_cast<double>(plan.height);
  const double size = std::min(width, height);
  Rng rng(stream_key(plan.seed, Stream::Optics));

  Optics optics;
  optics.centre_x = (width - 1.0) / 2.0 + rng.uniform(-0.04, 0.04) * width;
  optics.centre_y = (height - 1.0) / 2.0 + rng.uniform(-0.04, 0.04) * height;
  // Chosen so that the frame corners, seen from the frame centre, get `vignetting_corner`.
  const double half_diagonal = 0.5 * std::hypot(width, height);
  const double stretch = std::sqrt(1.0 / std::sqrt(plan.camera.vignetting_corner) - 1.0);
  optics.vignetting_radius = half_diagonal / stretch;

  for (int i = 0; i < plan.camera.dust_motes; ++i) {
    DustMote mote;
    mote.radius = size * rng.uniform(0.03, 0.06);
    // Keep motes whole inside the frame, away from the optical centre.
    const double margin = 1.5 * mote.radius;
    for (int attempt = 0; attempt < 32; ++attempt) {
      mote.x = rng.uniform(margin, width - margin);
      mote.y = rng.uniform(margin, height - margin);
      if (std::hypot(mote.x - optics.centre_x, mote.y - optics.centre_y) > 0.2 * size) break;
    }
    mote.depth = rng.uniform(0.04, 0.10);
    optics.motes.push_back(mote);
  }

  optics.illumination.resize(plan.width * plan.height);
  for (std::size_t y = 0; y < plan.height; ++y) {
    for (std::size_t x = 0; x < plan.width; ++x) {
      const double px = static_cast<double>(x), py = static_cast<double>(y);
      double light = optics.vignetting(px, py);
      for (const DustMote& mote : optics.motes) {
        const double distance = std::hypot(px - mote.x, py - mote.y);
        if (distance < 2.0 * mote.radius) light *= 1.0 - dust_attenuation(mote, distance);
      }
      optics.illumination[y * plan.width + x] = static_cast<float>(light);
    }
  }
  return optics;
}

}  // namespace astropack::simulate
