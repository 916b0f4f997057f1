// SPDX-License-Identifier: GPL-3.0-or-later
// Point-spread function fits: an elliptical Gaussian or Moffat profile on a
// constant background, fitted by Levenberg-Marquardt (GSL) in a box around a
// star. The ellipse is a quadratic form, so round and elongated stars are
// equally well conditioned.
#pragma once

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
  bool remove_pixel_width = true; // report the optical FWHM: the fitted width minus the
                                  // pixel's own (1/12 px^2 of variance per axis)
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
// clipped cores would widen the profile). Results in the order of the stars;
// failed fits have ok = false.
std::vector<PsfFit> fit_stars(ConstImageView channel, const StarDetection& detection,
                              const PsfOptions& options = {});

// Arcseconds per pixel, 206.265 x pixel size (um) / focal length (mm), when the
// header knows both (the pixel size as the header gives it).
std::optional<double> image_scale_arcsec(const Header& header);

}  // namespace astropack
