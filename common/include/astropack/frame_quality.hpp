// SPDX-License-Identifier: GPL-3.0-or-later
// Per-frame quality for subframe selection and weighting: star count, median
// FWHM and eccentricity, background, noise, an SNR estimate and two weights.
// Mono frames are measured as they are, RGB frames on green or luminance, CFA
// frames on a green superpixel view (each 2 x 2 cell's two greens averaged),
// with widths given back in full-resolution pixels.
#pragma once

#include <cstddef>

#include "astropack/image.hpp"
#include "astropack/psf_fit.hpp"
#include "astropack/star_detection.hpp"

namespace astropack {

enum class ColourChannel { Green, Luminance };

struct FrameQualityOptions {
  DetectionOptions detection;
  PsfOptions psf;
  ColourChannel colour = ColourChannel::Green;  // for RGB frames
  double min_star_snr = 10;   // fits below this SNR do not enter the medians
};

struct FrameQuality {
  std::size_t stars = 0;        // stars with a good fit above min_star_snr
  std::size_t detected = 0;     // all detections, saturated ones included
  double fwhm = 0;              // median, full-resolution pixels
  double fwhm_arcsec = 0;       // 0 when the header lacks pixel size or focal length
  double eccentricity = 0;      // median
  double background = 0;        // median of the background mesh (normalised units)
  double noise = 0;             // median of the noise mesh
  double snr = 0;               // mean absolute deviation of the frame over its noise
  double snr_weight = 0;        // snr^2, as PixInsight's SNRWeight
  double psf_weight = 0;        // (median star flux x median peak / flux ratio / noise)^2:
                                // transparency, seeing and noise in one figure
  bool cfa = false;             // measured on the green superpixel view
};

FrameQuality measure_frame(const Image& image, const FrameQualityOptions& options = {});

}  // namespace astropack
