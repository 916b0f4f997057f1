// SPDX-License-Identifier: GPL-3.0-or-later
// Point-spread function fits: an elliptical Gaussian or Moffat profile on a
// constant background, fitted by Levenberg-Marquardt (GSL) in a box around a
// star. The ellipse is a quadratic form, so round and elongated stars are
// equally well conditioned. Near the core the profile is averaged over the
// pixel's response (its area, or the sites a superpixel averages), so narrow
// stars keep their true width and roundness whatever their sub-pixel position.
#pragma once

#include <array>
#include <optional>
#include <vector>

#include "astropack/header.hpp"
#include "astropack/image.hpp"
#include "astropack/star_detection.hpp"

namespace astropack {

enum class PsfProfile { Gaussian, Moffat };

struct PsfOptions {
  PsfProfile profile = PsfProfile::Moffat;
  double fwhm_guess = 3.0;        // px: start value, and the box when box_radius < 0
  double box_radius = -1;         // px; negative: max(5, 2.5 x fwhm_guess)
  int max_iterations = 100;
  double beta = 0;                // Moffat exponent: > 0 fixed; 0 fitted (kept in [1.2, 10])
  bool remove_pixel_width = true; // report the optical FWHM: the profile is averaged over
                                  // the pixel's response; false: sampled at pixel centres
                                  // (the width as the image shows it)
  // The pixel's response as equally weighted points (offsets in px from its centre);
  // empty: a square pixel of full fill factor (3 x 3 points).
  std::vector<std::array<double, 2>> pixel_response;
  double electrons_per_unit = 0;  // for the photon noise of the star in the SNR; 0: left out
};

struct PsfFit {
  bool ok = false;           // converged to a valid ellipse inside the box
  double x = 0, y = 0;       // centre, 0-based stored pixel coordinates
  double background = 0;     // local background (normalised units)
  double amplitude = 0;      // peak above the background
  double fwhm_major = 0, fwhm_minor = 0;  // px
  double fwhm = 0;           // geometric mean of the two, px
  double angle_deg = 0;      // major axis from +x towards +y, in (-90, 90]
  double eccentricity = 0;   // sqrt(1 - (minor / major)^2)
  double beta = 0;           // Moffat exponent (0 for a Gaussian)
  double flux = 0;           // integral of the profile above the background
  double snr = 0;            // flux over its noise in the profile's effective area
  double rms = 0;            // residual rms in the box
};

// Fits one star whose position and background are roughly known. `noise` is the
// background noise per pixel (for the SNR).
PsfFit fit_psf(ConstImageView channel, const DetectedStar& star, const PsfOptions& options = {});

// Fits every unsaturated star of a detection (saturated ones are skipped: their
// clipped cores would widen the profile). With a fitted Moffat exponent, the
// brightest stars (up to 30) are fitted first with their own; the others are then
// fitted with the median of theirs, in a box sized by their median FWHM, since a
// faint star cannot tell its exponent from its width. Results in the order of the
// stars; failed fits have ok = false.
std::vector<PsfFit> fit_stars(ConstImageView channel, const StarDetection& detection,
                              const PsfOptions& options = {});

// Arcseconds per pixel, 206.265 x pixel size (um) / focal length (mm), when the
// header knows both (the pixel size as the header gives it).
std::optional<double> image_scale_arcsec(const Header& header);

}  // namespace astropack
