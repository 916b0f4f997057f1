// SPDX-License-Identifier: GPL-3.0-or-later
// Per-frame quality for subframe selection and weighting: star count, median
// FWHM, eccentricity, background, noise, an SNR estimate and two weights.
// Mono frames are measured as they are, RGB frames on green or luminance, CFA
// frames on a green superpixel view (each 2 x 2 cell's two greens averaged,
// the PSF averaged over those two sites), with positions and widths given back
// in full-resolution pixels.
#pragma once

#include <cstddef>
#include <vector>

#include "astropack/image.hpp"
#include "astropack/psf_fit.hpp"
#include "astropack/star_detection.hpp"

namespace astropack {

enum class ColourChannel { Green, Luminance };

struct FrameQualityOptions {
  DetectionOptions detection;
  PsfOptions psf;
  ColourChannel colour = ColourChannel::Green;  // for RGB frames
  double min_star_snr = 10;      // stars below this SNR are neither counted nor measured
  std::size_t max_fitted = 500;  // PSF fits per frame, brightest unsaturated stars first
};

// Stars of a frame in full-resolution stored pixel coordinates: the detections
// (brightest first) and, for the first fitted ones, their PSF fits.
struct FrameStars {
  StarDetection detection;     // positions, fluxes and noise in full-resolution pixels
  std::vector<PsfFit> fits;    // one per detection; ok = false where not fitted or failed
  std::vector<double> snr;     // per detection: aperture flux over its background noise
  bool cfa = false;            // measured on the green superpixel view
};

FrameStars find_frame_stars(const Image& image, const FrameQualityOptions& options = {});

struct FrameQuality {
  std::size_t stars = 0;        // detections with an SNR of at least min_star_snr
  std::size_t detected = 0;     // all detections, saturated ones included
  std::size_t fitted = 0;       // good PSF fits above min_star_snr (the medians' stars)
  double fwhm = 0;              // median, full-resolution pixels
  double fwhm_arcsec = 0;       // 0 when the header lacks pixel size or focal length
  double arcsec_per_px = 0;     // image scale; 0 when unknown
  // Eccentricity of the frame's mean star shape: the shape components of the fitted
  // stars (second moments of the ellipse, normalised) averaged with inverse-variance
  // weights, outliers clipped and the noise's own contribution subtracted, so round
  // stars give about 0 at any SNR while elongation shared by the stars (tracking,
  // wind) comes out in full. The median of single stars (star_eccentricity) is
  // pushed up by noise: about 0.3 at an SNR of 30 for perfectly round stars.
  double eccentricity = 0;
  double star_eccentricity = 0; // median of the single stars' eccentricities
  double background = 0;        // median of the background mesh (normalised units)
  double noise = 0;             // median of the noise mesh
  double snr = 0;               // mean absolute deviation of the frame over its noise
  double snr_weight = 0;        // snr^2, as PixInsight's SNRWeight
  // (1 / (PSF area x noise))^2, the area the median of flux / peak over the stars: the
  // squared peak signal-to-noise of a star of unit flux, so seeing, trailing and noise.
  // Transparency is left to snr_weight: without matching stars between frames, the flux
  // of a frame's star sample depends on which stars it detects and saturates.
  double psf_weight = 0;
  bool cfa = false;             // measured on the green superpixel view
};

FrameQuality measure_frame(const Image& image, const FrameQualityOptions& options = {});

}  // namespace astropack
