// SPDX-License-Identifier: GPL-3.0-or-later
// Least-squares fits of the registration models (transform.hpp) to star pairs:
// reference positions mapped onto frame positions, minimising the weighted
// squared distances in the frame (the reprojection residuals). Weights are
// 1 / variance of each pair's position error, so bright stars, whose centres
// are known far better, count for more; no weights: all equal. Shift, similarity and
// affine fits are closed-form; the homography starts from the normalised
// linear (DLT) solution and is refined by Gauss-Newton on the geometric error.
// A similarity fit takes the mirrored form when it fits better, so a flipped
// frame is registered too; affine and homography fits include mirrors anyway.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "astropack/transform.hpp"

namespace astropack {

// The model fitted to reference[i] -> frame[i] over every pair; nothing when there
// are fewer pairs than the model needs or they are degenerate (all on one point,
// or on one line for the affine and homography models). `weights` is empty or
// holds one positive weight per pair.
std::optional<Transform> fit_transform(std::span<const Point2> reference,
                                       std::span<const Point2> frame, TransformModel model,
                                       std::span<const double> weights = {});

// Distance in the frame between transform(reference[i]) and frame[i].
std::vector<double> reprojection_residuals(const Transform& transform,
                                           std::span<const Point2> reference,
                                           std::span<const Point2> frame);

struct ClipOptions {
  double sigma = 3.0;       // pairs further than sigma x their expected residual are dropped
                            // (the weighted rms residual scaled by the pair's weight) ...
  double floor_px = 0.02;   // ... but never those closer than this
  int max_iterations = 10;
};

struct ClippedFit {
  Transform transform;
  std::vector<bool> inlier;  // per pair
  std::size_t pairs = 0;     // inliers
  double rms_px = 0;         // rms residual of the inliers (unweighted)
};

// Fit, drop the pairs whose residual exceeds max(sigma x expected, floor), refit,
// until the set of inliers no longer changes (pairs may come back). Stops
// before the inliers fall below the model's minimum. Nothing when even the
// first fit fails.
std::optional<ClippedFit> fit_transform_clipped(std::span<const Point2> reference,
                                                std::span<const Point2> frame,
                                                TransformModel model,
                                                const ClipOptions& options = {},
                                                std::span<const double> weights = {});

}  // namespace astropack
