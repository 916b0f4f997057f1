// SPDX-License-Identifier: GPL-3.0-or-later
// Registration of a set of lights on one reference frame: stars found in every
// frame (mono frames as they are, RGB frames on green, CFA frames on the green
// superpixel view with positions in full-resolution pixels), each frame's star
// pattern matched to the reference's (star_matching.hpp), and the chosen model
// fitted on all matched stars. Frames that cannot be registered (unreadable,
// another size, too few stars, another field) are reported with a reason and
// get no transform; they must be left out of a stack.
//
// Default model: affine. Frame-to-frame motion of a tracked telescope is a
// shift and a rotation (a similarity), with slightly different scales along
// the two axes from differential refraction at low altitude; six parameters
// cover all of it and are well determined by a few dozen stars even when they
// crowd one part of a small field. Siril's default, the homography, adds two
// perspective terms that nothing between frames of one optical train produces
// and that, poorly constrained in a small field, bend the corners.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "astropack/progress.hpp"
#include "astropack/transform.hpp"

namespace astropack {

struct RegistrationOptions {
  TransformModel model = TransformModel::Affine;
  // Index into the files of the reference frame; -1: the best-weighted frame
  // of the selection file when one is given, otherwise the frame of best
  // quality (measure_frame's PSF weight: transparency, seeing and noise).
  int reference = -1;
  std::filesystem::path selection;  // an `astropack select` JSON file; empty: none
  std::size_t max_stars = 200;      // brightest stars per frame used for matching
  int min_pairs = 10;               // fewer matched stars: the frame is left out
  double match_radius_px = 3.0;     // full-resolution pixels
};

struct FrameRegistration {
  bool matched = false;
  std::string reason;  // why not, one sentence
  Transform reference_to_frame;
  std::size_t pairs = 0;  // stars in the final fit
  double rms_px = 0;      // their rms reprojection residual, full-resolution pixels
  std::size_t stars = 0;  // stars found in the frame
  double fwhm = 0;        // median FWHM in full-resolution pixels (0 when unknown)
};

struct RegistrationResult {
  std::size_t reference = 0;  // index into the files
  std::size_t width = 0, height = 0;  // of the reference frame (and every matched frame)
  std::vector<FrameRegistration> frames;  // one per file, in order

  std::size_t matched_count() const noexcept;
};

// Throws Error when no reference can be had: the reference index is out of
// range, the reference (or, with no reference given, every frame) cannot be
// read or has too few stars, or the selection file is unusable or its
// reference is not among the files. A reference index wins over a selection.
RegistrationResult register_frames(const std::vector<std::filesystem::path>& files,
                                   const RegistrationOptions& options, Progress& progress);

}  // namespace astropack
