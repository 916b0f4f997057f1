// SPDX-License-Identifier: GPL-3.0-or-later
#include "point_tree.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace astropack {

namespace {

double coordinate(Point2 p, int axis) noexcept { return axis == 0 ? p.x : p.y; }

}  // namespace

PointTree::PointTree(std::span<const Point2> points)
    : m_points(points.begin(), points.end()), m_order(points.size()) {
  for (std::size_t i = 0; i < m_order.size(); ++i) m_order[i] = i;
  build(0, m_order.size(), 0);
}

void PointTree::build(std::size_t begin, std::size_t end, int axis) {
  if (end - begin < 2) return;
  const std::size_t mid = begin + (end - begin) / 2;
  // Ties on the coordinate are ordered by index, so the tree never depends on
  // how nth_element happens to arrange equal keys.
  std::nth_element(m_order.begin() + std::ptrdiff_t(begin), m_order.begin() + std::ptrdiff_t(mid),
                   m_order.begin() + std::ptrdiff_t(end), [&](std::size_t a, std::size_t b) {
                     const double ca = coordinate(m_points[a], axis);
                     const double cb = coordinate(m_points[b], axis);
                     return ca < cb || (ca == cb && a < b);
                   });
  build(begin, mid, 1 - axis);
  build(mid + 1, end, 1 - axis);
}

void PointTree::search(std::size_t begin, std::size_t end, int axis, Point2 p, std::size_t& best,
                       double& best_d2) const {
  if (begin >= end) return;
  const std::size_t mid = begin + (end - begin) / 2;
  const std::size_t index = m_order[mid];
  const Point2 q = m_points[index];
  const double dx = q.x - p.x, dy = q.y - p.y;
  const double d2 = dx * dx + dy * dy;
  if (d2 < best_d2 || (d2 == best_d2 && index < best)) {
    best_d2 = d2;
    best = index;
  }
  const double split = coordinate(p, axis) - coordinate(q, axis);
  const bool left_first = split < 0;
  if (left_first) {
    search(begin, mid, 1 - axis, p, best, best_d2);
    if (split * split <= best_d2) search(mid + 1, end, 1 - axis, p, best, best_d2);
  } else {
    search(mid + 1, end, 1 - axis, p, best, best_d2);
    if (split * split <= best_d2) search(begin, mid, 1 - axis, p, best, best_d2);
  }
}

std::optional<std::size_t> PointTree::nearest(Point2 p, double max_distance) const {
  std::size_t best = std::numeric_limits<std::size_t>::max();
  double best_d2 = max_distance * max_distance;
  // Points at exactly max_distance count: start just above the limit.
  best_d2 = std::nextafter(best_d2, std::numeric_limits<double>::infinity());
  search(0, m_order.size(), 0, p, best, best_d2);
  if (best == std::numeric_limits<std::size_t>::max()) return std::nullopt;
  return best;
}

}  // namespace astropack
