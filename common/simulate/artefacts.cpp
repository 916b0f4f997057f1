// SPDX-License-Identifier: GPL-3.0-or-later
#include "artefacts.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace astropack::simulate {

std::vector<CosmicRay> make_cosmic_rays(Rng& rng, double mean, int minimum, std::size_t width,
                                        std::size_t height) {
  const double extra = std::max(0.0, mean - minimum);
  const auto count = static_cast<std::size_t>(minimum + rng.poisson(extra));
  std::vector<CosmicRay> rays;
  for (std::size_t i = 0; i < count; ++i) {
    CosmicRay ray;
    ray.x = rng.below(width);
    ray.y = rng.below(height);
    ray.electrons = std::exp(rng.uniform(std::log(1500.0), std::log(25000.0)));
    // Most hits are near head-on (one pixel); grazing ones leave a short track.
    ray.length = rng.uniform() < 0.6 ? 1 : 2 + static_cast<int>(rng.below(4));
    const double angle = rng.uniform(0.0, 2.0 * std::numbers::pi);
    double left = ray.electrons;
    for (int k = 0; k < ray.length; ++k) {
      const double px = static_cast<double>(ray.x) + std::round(k * std::cos(angle));
      const double py = static_cast<double>(ray.y) + std::round(k * std::sin(angle));
      if (px < 0.0 || py < 0.0 || px >= static_cast<double>(width) ||
          py >= static_cast<double>(height))
        break;
      // The head keeps the most charge; the rest fades along the track.
      const double share = k + 1 == ray.length ? left : left * rng.uniform(0.4, 0.6);
      left -= share;
      ray.deposits.push_back({static_cast<std::size_t>(px), static_cast<std::size_t>(py), share});
    }
    rays.push_back(std::move(ray));
  }
  return rays;
}

SatelliteTrail make_satellite(Rng& rng, std::size_t width, std::size_t height, double fwhm,
                              double peak) {
  const double w = static_cast<double>(width) - 1.0, h = static_cast<double>(height) - 1.0;
  // A line through the central half of the frame, kept away from the diagonal
  // corners so it crosses a good length of the frame.
  const double px = w * rng.uniform(0.25, 0.75), py = h * rng.uniform(0.25, 0.75);
  const double angle = rng.uniform(0.1, 0.9) * std::numbers::pi / 2.0 +
                       (rng.uniform() < 0.5 ? 0.0 : std::numbers::pi / 2.0);
  const double ux = std::cos(angle), uy = std::sin(angle);
  // Clip the infinite line p + t u to the frame rectangle.
  double t_low = -1e30, t_high = 1e30;
  auto clip = [&](double p, double u, double high) {
    const double a = (0.0 - p) / u, b = (high - p) / u;
    t_low = std::max(t_low, std::min(a, b));
    t_high = std::min(t_high, std::max(a, b));
  };
  clip(px, ux, w);
  clip(py, uy, h);
  SatelliteTrail trail;
  trail.x0 = px + t_low * ux;
  trail.y0 = py + t_low * uy;
  trail.x1 = px + t_high * ux;
  trail.y1 = py + t_high * uy;
  trail.sigma = fwhm / (2.0 * std::sqrt(2.0 * std::log(2.0)));
  trail.peak = peak;
  return trail;
}

void add_satellite(std::vector<float>& plane, std::size_t width, std::size_t height,
                   const SatelliteTrail& trail) {
  const double length = std::hypot(trail.x1 - trail.x0, trail.y1 - trail.y0);
  const double ux = (trail.x1 - trail.x0) / length, uy = (trail.y1 - trail.y0) / length;
  const double reach = 5.0 * trail.sigma;
  for (std::size_t y = 0; y < height; ++y) {
    for (std::size_t x = 0; x < width; ++x) {
      const double dx = static_cast<double>(x) - trail.x0, dy = static_cast<double>(y) - trail.y0;
      const double across = dx * uy - dy * ux;
      if (std::fabs(across) > reach) continue;
      const double along = dx * ux + dy * uy;
      // A tumbling satellite glints: its brightness wanders slowly along the trail.
      const double glint = 0.8 + 0.2 * std::sin(along / 23.0);
      plane[y * width + x] += static_cast<float>(
          trail.peak * glint * std::exp(-0.5 * across * across / (trail.sigma * trail.sigma)));
    }
  }
}

}  // namespace astropack::simulate
