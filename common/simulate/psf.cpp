// SPDX-License-Identifier: GPL-3.0-or-later
#include "psf.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "astropack/cfa.hpp"

namespace astropack::simulate {

namespace {

// Sub-samples per pixel side near the core, where the profile curves fastest.
constexpr int kSubsamples = 4;

double moffat_shape(double r2_over_alpha2, double beta) noexcept {
  const double q = 1.0 + r2_over_alpha2;
  if (beta == 3.0) return 1.0 / (q * q * q);  // the usual case, without pow()
  return std::pow(q, -beta);
}

}  // namespace

double Psf::alpha() const noexcept { return fwhm / (2.0 * std::sqrt(std::exp2(1.0 / beta) - 1.0)); }

double Psf::peak_per_flux() const noexcept {
  const double a = alpha();
  return (beta - 1.0) / (std::numbers::pi * a * a);
}

int ChannelLayout::at(std::size_t x, std::size_t y) const noexcept {
  return bayer ? static_cast<int>(cfa_color(CfaPattern::RGGB, y, x)) : channel;
}

double star_radius(const Psf& psf, double flux, double floor) noexcept {
  const double peak = flux * psf.peak_per_flux();
  if (peak <= floor) return 1.5 * psf.fwhm;
  const double a = psf.alpha();
  const double radius = a * std::sqrt(std::pow(peak / floor, 1.0 / psf.beta) - 1.0);
  return std::clamp(radius, 1.5 * psf.fwhm, 150.0) + 0.5 * std::hypot(psf.trail_dx, psf.trail_dy);
}

void add_star(float* plane, std::size_t width, std::size_t height, double cx, double cy,
              double flux, const double colour[3], ChannelLayout layout, const Psf& psf) {
  const double radius = star_radius(psf, flux, 0.02);
  const double x_low = std::max(0.0, std::floor(cx - radius));
  const double x_high = std::min(static_cast<double>(width) - 1.0, std::ceil(cx + radius));
  const double y_low = std::max(0.0, std::floor(cy - radius));
  const double y_high = std::min(static_cast<double>(height) - 1.0, std::ceil(cy + radius));
  if (x_low > x_high || y_low > y_high) return;

  // A trailed star is the sum of round stars spaced at most half a pixel apart.
  const double trail = std::hypot(psf.trail_dx, psf.trail_dy);
  const int steps = trail > 0.0 ? static_cast<int>(std::ceil(trail / 0.5)) + 1 : 1;
  const double a = psf.alpha();
  const double inverse_a2 = 1.0 / (a * a);
  const double peak = flux * psf.peak_per_flux() / steps;
  const double core2 = (2.0 * psf.fwhm) * (2.0 * psf.fwhm);
  const double sub = 1.0 / kSubsamples;

  for (auto y = static_cast<std::size_t>(y_low); y <= static_cast<std::size_t>(y_high); ++y) {
    float* row = plane + y * width;
    for (auto x = static_cast<std::size_t>(x_low); x <= static_cast<std::size_t>(x_high); ++x) {
      double value = 0.0;
      for (int s = 0; s < steps; ++s) {
        const double f = steps > 1 ? static_cast<double>(s) / (steps - 1) - 0.5 : 0.0;
        const double sx = cx + f * psf.trail_dx, sy = cy + f * psf.trail_dy;
        const double ddx = static_cast<double>(x) - sx, ddy = static_cast<double>(y) - sy;
        if (ddx * ddx + ddy * ddy > core2) {
          value += moffat_shape((ddx * ddx + ddy * ddy) * inverse_a2, psf.beta);
          continue;
        }
        double sum = 0.0;
        for (int j = 0; j < kSubsamples; ++j) {
          const double oy = ddy + (j + 0.5) * sub - 0.5;
          for (int i = 0; i < kSubsamples; ++i) {
            const double ox = ddx + (i + 0.5) * sub - 0.5;
            sum += moffat_shape((ox * ox + oy * oy) * inverse_a2, psf.beta);
          }
        }
        value += sum * sub * sub;
      }
      row[x] += static_cast<float>(peak * value * colour[layout.at(x, y)]);
    }
  }
}

}  // namespace astropack::simulate
