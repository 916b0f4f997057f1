// SPDX-License-Identifier: GPL-3.0-or-later
#include "star_triangles.hpp"

#include <tuple>

namespace astropack {

std::vector<StarTriangle> star_triangles(std::span<const Point2> points, std::size_t count,
                                         double min_side) {
  const std::size_t n = std::min(count, points.size());
  std::vector<StarTriangle> triangles;
  if (n < 3) return triangles;
  triangles.reserve(n * (n - 1) * (n - 2) / 6);
  auto distance = [&](std::size_t i, std::size_t j) {
    return std::hypot(points[i].x - points[j].x, points[i].y - points[j].y);
  };
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j)
      for (std::size_t k = j + 1; k < n; ++k) {
        // Each side with the vertex it faces.
        std::array<std::pair<double, std::size_t>, 3> sides{
            {{distance(j, k), i}, {distance(i, k), j}, {distance(i, j), k}}};
        std::sort(sides.begin(), sides.end(), [](const auto& a, const auto& b) {
          return a.first > b.first || (a.first == b.first && a.second < b.second);
        });
        if (sides[2].first < min_side) continue;
        StarTriangle t;
        for (std::size_t v = 0; v < 3; ++v) t.vertex[v] = std::uint32_t(sides[v].second);
        t.longest = sides[0].first;
        t.ratio_b = sides[1].first / t.longest;
        t.ratio_c = sides[2].first / t.longest;
        const Point2 a = points[t.vertex[0]], b = points[t.vertex[1]], c = points[t.vertex[2]];
        t.clockwise = (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x) < 0;
        triangles.push_back(t);
      }
  std::sort(triangles.begin(), triangles.end(), [](const StarTriangle& a, const StarTriangle& b) {
    return std::tie(a.ratio_b, a.vertex) < std::tie(b.ratio_b, b.vertex);
  });
  return triangles;
}

}  // namespace astropack
