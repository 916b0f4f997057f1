// SPDX-License-Identifier: GPL-3.0-or-later
// Background (light-pollution gradient) extraction: a 2-D polynomial of degree 1 to
// 4 fitted to background samples and subtracted from, or divided into, each channel.
//
// Siril 1.0's subsky (siril-compat.md 4.11) takes the median of 25-pixel boxes on a
// 20-wide grid, drops boxes brighter than the global median + 2 MAD, and fits once.
// Here, where it helps:
// - each box value is a sigma-clipped median (3 x 1.4826 MAD, 3 passes), so a star
//   inside a box does not lift it;
// - boxes are rejected against the fitted surface, not a global level: fit, measure
//   the residual scatter (1.4826 MAD), drop boxes more than `high_rejection` sigmas
//   above it (nebula, star halos) or `low_rejection` below (dust, dark edges), refit,
//   until nothing changes; first with a plane, which cannot bend around a nebula in
//   the middle, then with each degree up to the requested one. A strong gradient
//   thus does not reject its own bright end;
// - the grid neighbours of boxes rejected as too bright go too (faint nebula wings),
//   as long as three boxes per coefficient remain;
// - among the boxes kept, the background is their lower envelope (extra light only
//   adds): boxes more than their statistical error above the surface get a weight
//   of 0.001 in a reweighted fit (asymmetric least squares, as for spectral
//   baselines). The constant offset this leaves (about one error) cancels with
//   keep_level;
// - which boxes count is decided once on the mean of the channels, then every
//   channel is fitted on the same boxes and weights;
// - coordinates are scaled to [-1, 1] before the least squares (GSL's
//   gsl_multifit_wlinear), so degree 4 stays well conditioned on large images.
// Choose the lowest degree that describes the gradient: where a nebula fills the
// middle of the frame, only the edges constrain a curved surface there.
// User sample points replace the grid; they are trusted (no box rejection).
// Subtraction keeps the mean level of the background (out = in - model + mean), as
// Siril adds back the mean of its samples; division gives out = in / model * mean.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "astropack/image.hpp"
#include "astropack/progress.hpp"

namespace astropack {

enum class BackgroundCorrection { Subtract, Divide };

// A sample position as the picture is shown: x from the left, y from the top.
struct SamplePoint {
  double x = 0.0;
  double y = 0.0;
};

struct BackgroundParams {
  int degree = 2;                    // 1..4
  std::size_t samples_per_row = 20;  // automatic grid: boxes across, 4..200
  std::size_t box_size = 0;          // pixels, 3..201 and odd; 0 picks min(25, spacing)
  double high_rejection = 2.5;       // sigmas above the surface, 1..10
  double low_rejection = 4.0;        // sigmas below the surface, 1..10
  BackgroundCorrection correction = BackgroundCorrection::Subtract;
  bool keep_level = true;                 // add back (or multiply by) the mean of the model
  std::vector<SamplePoint> user_samples;  // replaces the grid when not empty

  // Throws Error(InvalidArgument) naming the valid range of a value outside it.
  void validate() const;
};

// One box the fit could use, in stored coordinates (x = column, y = stored row).
struct BackgroundSample {
  double x = 0.0, y = 0.0;
  bool used = false;  // false: rejected (or too few valid pixels)
};

struct BackgroundResult {
  Image corrected;  // same size and channels as the input, header not set
  Image model;      // the fitted background, per channel
  std::vector<BackgroundSample> samples;
  std::size_t samples_used = 0;
  std::vector<double> residual_rms;  // per channel, over the samples used
};

// Throws Error(InvalidArgument) for bad parameters or a user sample outside the
// image, Error(InvalidInput) when too few samples remain for the degree.
BackgroundResult extract_background(ConstImageView image, const BackgroundParams& params,
                                    Progress& progress);

// Sample points from text: one "x y" (or "x,y") pair per line in picture
// coordinates; blank lines and lines starting with # are ignored. Throws
// Error(InvalidInput) naming the line of anything else.
std::vector<SamplePoint> parse_sample_points(std::string_view text);

// One line for logs and HISTORY cards.
std::string describe(const BackgroundParams& params);

}  // namespace astropack
