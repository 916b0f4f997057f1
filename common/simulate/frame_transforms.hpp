// SPDX-License-Identifier: GPL-3.0-or-later
// Where the sky falls on each light frame: a rigid motion (dither shift plus a
// small field rotation about the image centre) from reference-frame stored
// pixel coordinates to the frame's own. Coordinates are 0-based stored pixel
// coordinates, x = column, y = stored row, pixel centres at integer values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace astropack::simulate {

struct Point {
  double x = 0.0, y = 0.0;
};

// x' = a x + b y + c ;  y' = d x + e y + f
struct Affine2 {
  double a = 1.0, b = 0.0, c = 0.0;
  double d = 0.0, e = 1.0, f = 0.0;

  Point apply(Point p) const noexcept { return {a * p.x + b * p.y + c, d * p.x + e * p.y + f}; }
  Affine2 inverse() const noexcept;
};

struct FrameMotion {
  double dx = 0.0, dy = 0.0;  // shift of the image centre, pixels
  double rotation_deg = 0.0;  // counter-clockwise in (x, y) = (column, stored row)
  Affine2 reference_to_frame;
};

// The rotation about the centre of a width x height frame followed by the shift.
FrameMotion make_motion(double dx, double dy, double rotation_deg, std::size_t width,
                        std::size_t height) noexcept;

// Dithers for `count` light frames: frame 0 is the reference (identity); the
// others are shifted by up to `max_shift` pixels in x and y (random sub-pixel
// values) and rotated by up to `max_rotation_deg`.
std::vector<FrameMotion> make_dithers(std::uint64_t seed, int count, double max_shift,
                                      double max_rotation_deg, std::size_t width,
                                      std::size_t height);

// How far (pixels) any point of the frame can move under these limits: the
// margin the sky must extend beyond the reference frame.
double dither_reach(double max_shift, double max_rotation_deg, std::size_t width,
                    std::size_t height) noexcept;

}  // namespace astropack::simulate
