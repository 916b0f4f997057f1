// SPDX-License-Identifier: GPL-3.0-or-later
// Matching the stars of a frame to those of the reference, whatever the shift,
// rotation, scale or mirror between them:
//  1. triangles of the brightest stars of each list, described by their side
//     ratios (invariant to all four), are paired by a sorted search on the
//     ratios, and every paired triangle votes for its three star pairs
//     (separately for same and opposite orientation, that is unmirrored and
//     mirrored);
//  2. the best-voted star pairs feed a seeded RANSAC: two pairs give a
//     similarity, and the one that brings the most stars of the whole lists
//     onto a star of the other list (k-d tree queries) wins;
//  3. stars are paired by that map, an affine map refits them and the pairing
//     repeats until stable; then the requested model is fitted by weighted
//     least squares on all pairs with iterative clipping of the reprojection
//     residuals (transform_fit.hpp).
// The result depends only on the inputs and the seed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "astropack/transform.hpp"
#include "astropack/transform_fit.hpp"

namespace astropack {

struct MatchOptions {
  TransformModel model = TransformModel::Affine;
  std::size_t max_stars = 200;      // brightest stars of each list used at all
  std::size_t triangle_stars = 25;  // brightest stars of each list that form triangles
  int min_pairs = 10;               // fewer matched stars than this: no match
  double min_fraction = 0.2;        // matched share of the shorter list needed as well
  double match_radius_px = 3.0;     // how far a predicted star may lie from its partner
  double position_error_px = 1.0;   // centroid uncertainty, for the triangle tolerances
  double min_side_px = 5.0;         // shorter triangle sides are too uncertain to use
  int ransac_iterations = 500;      // random samples when there are more candidate couples
  std::uint64_t seed = 0x5eed;      // of the RANSAC sampler
  ClipOptions clip;
};

struct StarMatch {
  bool matched = false;
  std::string reason;  // why not, one sentence, when not matched
  Transform reference_to_frame;
  // (reference index, frame index) of the pairs the final fit kept.
  std::vector<std::pair<std::size_t, std::size_t>> pairs;
  double rms_px = 0;      // rms reprojection residual of those pairs, frame pixels
  bool mirrored = false;  // the frame is a mirror image of the reference
};

// `reference` and `frame` hold star positions, brightest first. The sigmas,
// when given (one per star), are the uncertainties of the positions in pixels:
// each pair then weighs 1 / (sigma_reference^2 + sigma_frame^2) in the fits.
StarMatch match_stars(std::span<const Point2> reference, std::span<const Point2> frame,
                      const MatchOptions& options = {},
                      std::span<const double> reference_sigma = {},
                      std::span<const double> frame_sigma = {});

}  // namespace astropack
