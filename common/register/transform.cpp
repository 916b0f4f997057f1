// SPDX-License-Identifier: GPL-3.0-or-later
#include "astropack/transform.hpp"

#include <cmath>
#include <numbers>
#include <string>

#include "astropack/error.hpp"

namespace astropack {

TransformModel parse_transform_model(std::string_view name) {
  if (name == "shift") return TransformModel::Shift;
  if (name == "similarity") return TransformModel::Similarity;
  if (name == "affine") return TransformModel::Affine;
  if (name == "homography") return TransformModel::Homography;
  std::string sentence = "unknown registration model '";
  sentence.append(name).append("': use shift, similarity, affine or homography.");
  throw Error(ErrorKind::InvalidArgument, {}, sentence);
}

std::string_view to_string(TransformModel model) noexcept {
  switch (model) {
    case TransformModel::Shift: return "shift";
    case TransformModel::Similarity: return "similarity";
    case TransformModel::Affine: return "affine";
    case TransformModel::Homography: return "homography";
  }
  return "homography";
}

int minimum_pairs(TransformModel model) noexcept {
  switch (model) {
    case TransformModel::Shift: return 1;
    case TransformModel::Similarity: return 2;
    case TransformModel::Affine: return 3;
    case TransformModel::Homography: return 4;
  }
  return 4;
}

Transform Transform::shift(double dx, double dy) noexcept {
  return from_matrix({1, 0, dx, 0, 1, dy, 0, 0, 1});
}

Transform Transform::similarity(double scale, double degrees, Point2 centre, double dx,
                                double dy) noexcept {
  const double angle = degrees * std::numbers::pi / 180.0;
  const double c = scale * std::cos(angle), s = scale * std::sin(angle);
  // p' = R (p - centre) + centre + shift
  return from_matrix({c, -s, centre.x - c * centre.x + s * centre.y + dx,
                      s, c, centre.y - s * centre.x - c * centre.y + dy,
                      0, 0, 1});
}

Transform Transform::from_matrix(const Matrix& h) noexcept {
  Transform t;
  t.m_h = h;
  if (h[8] != 0.0 && h[8] != 1.0) {
    for (double& v : t.m_h) v /= h[8];
  }
  return t;
}

Point2 Transform::apply(Point2 p) const noexcept {
  const auto& h = m_h;
  const double x = h[0] * p.x + h[1] * p.y + h[2];
  const double y = h[3] * p.x + h[4] * p.y + h[5];
  if (is_affine() && h[8] == 1.0) return {x, y};
  const double w = h[6] * p.x + h[7] * p.y + h[8];
  return {x / w, y / w};
}

Transform Transform::inverse() const {
  const auto& h = m_h;
  // Adjugate over determinant.
  const double c00 = h[4] * h[8] - h[5] * h[7];
  const double c01 = h[5] * h[6] - h[3] * h[8];
  const double c02 = h[3] * h[7] - h[4] * h[6];
  const double det = h[0] * c00 + h[1] * c01 + h[2] * c02;
  const double norm = std::abs(h[0]) + std::abs(h[1]) + std::abs(h[3]) + std::abs(h[4]);
  if (!std::isfinite(det) || std::abs(det) <= 1e-12 * norm * norm) {
    throw Error(ErrorKind::InvalidArgument, {},
                "the registration transform is singular and cannot be inverted.");
  }
  const Matrix adj{c00, h[2] * h[7] - h[1] * h[8], h[1] * h[5] - h[2] * h[4],
                   c01, h[0] * h[8] - h[2] * h[6], h[2] * h[3] - h[0] * h[5],
                   c02, h[1] * h[6] - h[0] * h[7], h[0] * h[4] - h[1] * h[3]};
  Matrix inv{};
  for (int i = 0; i < 9; ++i) inv[i] = adj[i] / det;
  return from_matrix(inv);
}

Transform Transform::then(const Transform& next) const noexcept {
  // The matrix of next after this is next.H x this.H.
  const auto& a = next.m_h;
  const auto& b = m_h;
  Matrix product{};
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) {
      product[r * 3 + c] = a[r * 3] * b[c] + a[r * 3 + 1] * b[3 + c] + a[r * 3 + 2] * b[6 + c];
    }
  }
  return from_matrix(product);
}

bool Transform::is_shift(double tolerance) const noexcept {
  return is_affine() && std::abs(m_h[0] - 1.0) <= tolerance && std::abs(m_h[1]) <= tolerance &&
         std::abs(m_h[3]) <= tolerance && std::abs(m_h[4] - 1.0) <= tolerance;
}

double Transform::area_scale(Point2 p) const noexcept {
  const auto& h = m_h;
  const double w = h[6] * p.x + h[7] * p.y + h[8];
  const double det_linear = h[0] * h[4] - h[1] * h[3];
  if (is_affine()) return det_linear / (h[8] * h[8]);
  // Jacobian determinant of a homography: det(H) / w^3.
  const double det = h[0] * (h[4] * h[8] - h[5] * h[7]) - h[1] * (h[3] * h[8] - h[5] * h[6]) +
                     h[2] * (h[3] * h[7] - h[4] * h[6]);
  return det / (w * w * w);
}

}  // namespace astropack
