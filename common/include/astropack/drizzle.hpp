// SPDX-License-Identifier: GPL-3.0-or-later
// Drizzle integration (variable-pixel linear reconstruction, Fruchter & Hook
// 2002, PASP 114, 144): every input pixel, shrunk about its centre to a
// square of side pixfrac, is mapped onto an output grid `scale` times finer
// than the reference frame and drops its value onto the output pixels it
// overlaps, weighted by the exact overlap area (the mapped square is a
// quadrilateral under any homography) times the frame's weight. Each output
// pixel is the weighted mean of what fell on it, so surface brightness (value
// per unit area) is kept: a flat field stays flat at its level, and the sum of
// the output over scale^2 is the input's total flux.
//
// Output pixel (u, v) covers reference coordinates [u / scale - 0.5,
// (u + 1) / scale - 0.5] (and the same in y): the output covers exactly the
// reference frame, whose pixel centres are at integers.
//
// Mono and RGB frames are drizzled channel by channel. CFA frames (a Bayer
// BAYERPAT in the header) are Bayer-drizzled: each photosite drops only into
// its own colour channel of an RGB output, so no demosaicing is needed.
#pragma once

#include <cstddef>
#include <vector>

#include "astropack/frame_set.hpp"
#include "astropack/image.hpp"
#include "astropack/progress.hpp"
#include "astropack/stack_engine.hpp"
#include "astropack/transform.hpp"

namespace astropack {

struct DrizzleOptions {
  int scale = 2;         // output pixels per reference pixel along each axis: 1, 2 or 3
  double pixfrac = 1.0;  // side of the dropped square, in input pixels: (0, 1]
  int threads = 0;       // 0 = all cores; the result does not depend on it
};

struct DrizzleResult {
  // (reference size x scale), 1 channel for mono frames, 3 for RGB and CFA
  // frames; 0 where nothing landed (the no-data convention). Header empty: the
  // caller describes the stack.
  Image image;
  // Same size and channels: per output pixel, the sum over frames of frame
  // weight x the fraction of the pixel that frame's drops covered (the
  // coverage map; N for N frames of weight 1 that cover it fully).
  Image weight;
};

// `reference_to_frame[f]` maps reference coordinates to frame f's (as
// registration gives it). `scaling` is [frame][channel] (for CFA frames one
// entry for every photosite, or three by CFA colour R, G, B) and may be empty;
// `weights` has one entry per frame or is empty (all 1). Samples that are 0
// (no data) or not finite are skipped; the scaling applies to the others.
// Frames are read one at a time (the next one while the current one drops).
// Throws Error(InvalidArgument) on options or sizes that do not fit, and
// Error(Cancelled) between frames when `progress` asks to stop.
DrizzleResult drizzle_stack(const FrameSet& frames,
                            const std::vector<Transform>& reference_to_frame,
                            const std::vector<std::vector<LinearScaling>>& scaling,
                            const std::vector<float>& weights, std::size_t reference_width,
                            std::size_t reference_height, const DrizzleOptions& options,
                            Progress& progress);

}  // namespace astropack
