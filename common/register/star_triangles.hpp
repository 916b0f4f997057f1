// SPDX-License-Identifier: GPL-3.0-or-later
// Triangles of stars and their shape descriptors (Groth 1986; Valdes et al.
// 1995): with the sides sorted a >= b >= c, the ratios b/a and c/a do not
// change under shift, rotation, scaling or mirroring, so the same three stars
// give the same descriptor in any frame. Naming the vertices by the side they
// face (A opposite a, ...) pairs the stars of two matching triangles.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "astropack/transform.hpp"

namespace astropack {

struct StarTriangle {
  std::array<std::uint32_t, 3> vertex{};  // star indices facing the longest, middle, shortest side
  double ratio_b = 0;                     // middle side / longest side
  double ratio_c = 0;                     // shortest side / longest side
  double longest = 0;                     // a, pixels
  bool clockwise = false;                 // orientation of A -> B -> C: flips under a mirror
};

// Every triangle of the first `count` points whose shortest side is at least
// `min_side` pixels, sorted by ratio_b (then by vertices, for a fixed order).
std::vector<StarTriangle> star_triangles(std::span<const Point2> points, std::size_t count,
                                         double min_side);

// Calls visit(reference_triangle) for each triangle of `sorted` (from
// star_triangles) whose two ratios both lie within tolerance(reference
// triangle) of the probe's; `max_tolerance` bounds the search window.
template <typename Tolerance, typename Visit>
void for_each_similar(const std::vector<StarTriangle>& sorted, const StarTriangle& probe,
                      double max_tolerance, Tolerance&& tolerance, Visit&& visit) {
  auto it = std::lower_bound(sorted.begin(), sorted.end(), probe.ratio_b - max_tolerance,
                             [](const StarTriangle& t, double v) { return t.ratio_b < v; });
  for (; it != sorted.end() && it->ratio_b <= probe.ratio_b + max_tolerance; ++it) {
    const double tol = tolerance(*it);
    if (std::abs(it->ratio_b - probe.ratio_b) <= tol && std::abs(it->ratio_c - probe.ratio_c) <= tol)
      visit(*it);
  }
}

}  // namespace astropack
