// SPDX-License-Identifier: GPL-3.0-or-later
// Filling holes from their surroundings: the harmonic (membrane) interpolation,
// the smoothest surface that meets the pixels around each hole, i.e. the solution
// of Laplace's equation inside the hole with the known pixels as boundary values.
// A plane passes through unchanged, so a nebula's local gradient continues across
// the hole. The iteration starts from row and column linear interpolation, then
// each hole (4-connected) runs red-black successive over-relaxation with the
// optimal factor for its size until a sweep changes nothing by more than 1e-7 of
// the value range. Holes are independent, so they run in parallel and the result
// does not depend on the thread count. The image edge bounds a hole with a
// zero-slope condition.
#pragma once

#include <cstdint>
#include <vector>

#include "astropack/image.hpp"

namespace astropack {

struct InpaintResult {
  int iterations = 0;       // SOR sweeps of the slowest hole, over the channels
  double max_change = 0.0;  // of the last sweep, relative to the image's value range
};

// `mask` holds width x height bytes, row after row in stored order; non-zero
// marks a pixel to fill. Every channel is filled in place. Non-finite pixels
// outside the mask are not used as boundary values. Throws Error(InvalidArgument)
// when the mask does not match the image or masks every pixel.
InpaintResult inpaint_harmonic(ImageView image, const std::vector<std::uint8_t>& mask);

}  // namespace astropack
