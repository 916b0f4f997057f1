// SPDX-License-Identifier: GPL-3.0-or-later
// A picture of a selection: FWHM, eccentricity, star count and weight per frame
// in four panels over the frame number, each with the set's median dashed,
// rejected frames crossed out in red on a pale red band, the reference ringed.
#pragma once

#include <filesystem>

#include "astropack/frame_selection.hpp"

namespace astropack {

// Writes a PNG (cairo) atomically; throws Error(Unwritable) naming the file.
void write_selection_plot(const std::filesystem::path& png, const FrameSelection& selection);

}  // namespace astropack
