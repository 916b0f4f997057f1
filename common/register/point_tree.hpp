// SPDX-License-Identifier: GPL-3.0-or-later
// A static two-dimensional k-d tree for nearest-neighbour queries on star
// positions: built once per frame, queried once per predicted position.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "astropack/transform.hpp"

namespace astropack {

class PointTree {
 public:
  explicit PointTree(std::span<const Point2> points);

  // Index (into the points given) of the nearest point no further than
  // max_distance from p; the lower index on a tie. Nothing when none is that close.
  std::optional<std::size_t> nearest(Point2 p, double max_distance) const;

 private:
  void build(std::size_t begin, std::size_t end, int axis);
  void search(std::size_t begin, std::size_t end, int axis, Point2 p, std::size_t& best,
              double& best_d2) const;

  std::vector<Point2> m_points;
  std::vector<std::size_t> m_order;  // the tree, implicit: each range's median is its node
};

}  // namespace astropack
