// SPDX-License-Identifier: GPL-3.0-or-later
// A plane projective transform (3 x 3 homography) from reference-frame
// coordinates to a frame's own coordinates: where a reference pixel's sky
// falls on the frame. Coordinates are 0-based stored pixel coordinates,
// x = column, y = stored row, pixel centres at integer values (the simulator's
// and the star detector's convention). Shift, similarity and affine models are
// homographies with a last row of (0, 0, 1).
#pragma once

#include <array>
#include <string_view>

namespace astropack {

struct Point2 {
  double x = 0.0, y = 0.0;
};

// The registration models, from the fewest free parameters to the most.
enum class TransformModel { Shift, Similarity, Affine, Homography };

TransformModel parse_transform_model(std::string_view name);  // throws Error on unknown
std::string_view to_string(TransformModel model) noexcept;
// Star pairs a model needs at least (1, 2, 3, 4).
int minimum_pairs(TransformModel model) noexcept;

class Transform {
 public:
  // Row-major h00 h01 h02 h10 h11 h12 h20 h21 h22: x' = (h00 x + h01 y + h02) / w,
  // y' = (h10 x + h11 y + h12) / w, w = h20 x + h21 y + h22.
  using Matrix = std::array<double, 9>;

  Transform() = default;  // identity
  static Transform shift(double dx, double dy) noexcept;
  // Rotation by `degrees` (counter-clockwise in (column, stored row)) and
  // scaling about `centre`, then the shift.
  static Transform similarity(double scale, double degrees, Point2 centre, double dx,
                              double dy) noexcept;
  // Normalised so that h22 = 1 (when it is not zero).
  static Transform from_matrix(const Matrix& h) noexcept;

  Point2 apply(Point2 p) const noexcept;
  const Matrix& matrix() const noexcept { return m_h; }

  // Throws Error when the matrix is singular.
  Transform inverse() const;
  // First this, then `next`: next.apply(this->apply(p)).
  Transform then(const Transform& next) const noexcept;

  bool is_affine() const noexcept { return m_h[6] == 0.0 && m_h[7] == 0.0; }
  // True when the linear part is the identity within `tolerance` (a pure shift).
  bool is_shift(double tolerance = 1e-9) const noexcept;
  // Area scale at a point (the Jacobian determinant): 1 for rigid motions.
  double area_scale(Point2 p) const noexcept;

 private:
  Matrix m_h{1, 0, 0, 0, 1, 0, 0, 0, 1};
};

}  // namespace astropack
