// SPDX-License-Identifier: GPL-3.0-or-later
#include "frame_transforms.hpp"

#include <cmath>
#include <numbers>

#include "random.hpp"

namespace astropack::simulate {

Affine2 Affine2::inverse() const noexcept {
  const double det = a * e - b * d;
  Affine2 inv;
  inv.a = e / det;
  inv.b = -b / det;
  inv.d = -d / det;
  inv.e = a / det;
  inv.c = -(inv.a * c + inv.b * f);
  inv.f = -(inv.d * c + inv.e * f);
  return inv;
}

FrameMotion make_motion(double dx, double dy, double rotation_deg, std::size_t width,
                        std::size_t height) noexcept {
  const double theta = rotation_deg * std::numbers::pi / 180.0;
  const double cos_t = std::cos(theta), sin_t = std::sin(theta);
  const double cx = (static_cast<double>(width) - 1.0) / 2.0;
  const double cy = (static_cast<double>(height) - 1.0) / 2.0;
  FrameMotion motion;
  motion.dx = dx;
  motion.dy = dy;
  motion.rotation_deg = rotation_deg;
  // p' = R (p - centre) + centre + shift
  Affine2& m = motion.reference_to_frame;
  m.a = cos_t;
  m.b = 0.0 - sin_t;  // +0 rather than -0 for an unrotated frame
  m.d = sin_t;
  m.e = cos_t;
  m.c = cx - (cos_t * cx - sin_t * cy) + dx;
  m.f = cy - (sin_t * cx + cos_t * cy) + dy;
  return motion;
}

std::vector<FrameMotion> make_dithers(std::uint64_t seed, int count, double max_shift,
                                      double max_rotation_deg, std::size_t width,
                                      std::size_t height) {
  std::vector<FrameMotion> motions;
  motions.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    if (i == 0) {
      motions.push_back(make_motion(0.0, 0.0, 0.0, width, height));
      continue;
    }
    Rng rng(stream_key(seed, Stream::Frame, static_cast<std::uint64_t>(i), 1));
    const double dx = rng.uniform(-max_shift, max_shift);
    const double dy = rng.uniform(-max_shift, max_shift);
    const double rotation = rng.uniform(-max_rotation_deg, max_rotation_deg);
    motions.push_back(make_motion(dx, dy, rotation, width, height));
  }
  return motions;
}

double dither_reach(double max_shift, double max_rotation_deg, std::size_t width,
                    std::size_t height) noexcept {
  const double half_diagonal =
      0.5 * std::hypot(static_cast<double>(width), static_cast<double>(height));
  const double theta = max_rotation_deg * std::numbers::pi / 180.0;
  return std::sqrt(2.0) * max_shift + 2.0 * half_diagonal * std::sin(theta / 2.0);
}

}  // namespace astropack::simulate
