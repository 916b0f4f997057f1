// SPDX-License-Identifier: GPL-3.0-or-later
// Per-frame quality: the channel to measure, then detection, PSF fits and the
// frame's statistics folded into medians and weights.
#include "astropack/frame_quality.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <utility>

#include "astropack/cfa.hpp"
#include "astropack/statistics.hpp"

namespace astropack {

namespace {

// The two green samples of every 2 x 2 cell, averaged.
Image green_superpixels(const Image& image, CfaPattern origin) {
  Image out(image.width() / 2, image.height() / 2, 1);
  for (std::size_t y = 0; y < out.height(); ++y)
    for (std::size_t x = 0; x < out.width(); ++x) {
      double sum = 0;
      for (std::size_t dy = 0; dy < 2; ++dy)
        for (std::size_t dx = 0; dx < 2; ++dx)
          if (cfa_color(origin, 2 * y + dy, 2 * x + dx) == CfaColor::Green)
            sum += image.at(0, 2 * y + dy, 2 * x + dx);
      out.at(0, y, x) = float(sum / 2);
    }
  return out;
}

Image luminance(const Image& image) {
  Image out(image.width(), image.height(), 1);
  for (std::size_t i = 0; i < image.pixel_count(); ++i)
    out.samples()[i] = 0.2126f * image.plane(0)[i] + 0.7152f * image.plane(1)[i] +
                       0.0722f * image.plane(2)[i];
  return out;
}

}  // namespace

FrameQuality measure_frame(const Image& image, const FrameQualityOptions& options) {
  FrameQuality quality;
  Image derived;
  ConstImageView channel = image.view().plane(0);
  double scale = 1;  // full-resolution pixels per measured pixel
  DetectionOptions detection = options.detection;
  PsfOptions psf = options.psf;
  if (image.channels() >= 3) {
    if (options.colour == ColourChannel::Luminance) {
      derived = luminance(image);
      channel = derived.view();
    } else {
      channel = image.view().plane(1);
    }
  } else if (const auto origin = phase_at_origin(image.header(), image.height())) {
    derived = green_superpixels(image, *origin);
    channel = derived.view();
    scale = 2;
    quality.cfa = true;
    detection.fwhm_guess /= 2;
    psf.fwhm_guess /= 2;
  }
  const StarDetection found = detect_stars(channel, detection);
  const std::vector<PsfFit> fits = fit_stars(channel, found, psf);
  std::vector<float> fwhm, ecc;
  std::vector<std::pair<double, double>> by_flux;  // flux, amplitude
  for (const PsfFit& f : fits)
    if (f.ok && f.snr >= options.min_star_snr) {
      fwhm.push_back(float(f.fwhm * scale));
      ecc.push_back(float(f.eccentricity));
      by_flux.emplace_back(f.flux, f.amplitude);
    }
  quality.detected = found.stars.size();
  quality.stars = fwhm.size();
  quality.background = found.background.median_level();
  quality.noise = found.background.median_noise();
  if (!fwhm.empty()) {
    quality.fwhm = median_in_place(std::span<float>(fwhm));
    quality.eccentricity = median_in_place(std::span<float>(ecc));
    if (const auto arcsec = image_scale_arcsec(image.header()))
      quality.fwhm_arcsec = quality.fwhm * *arcsec;
  }
  StatisticsOptions stats_options;
  stats_options.background_noise = false;
  const ChannelStatistics stats = compute_statistics(channel, stats_options).at(0);
  if (quality.noise > 0) {
    quality.snr = stats.avg_dev / quality.noise;
    quality.snr_weight = quality.snr * quality.snr;
    if (quality.stars > 0) {
      // The peak of a typical star: its median flux times the median peak-to-flux
      // ratio (the inverse of the PSF's effective area, which seeing and trailing grow).
      std::vector<float> flux, concentration;
      for (const auto& [f, amplitude] : by_flux) {
        flux.push_back(float(f));
        concentration.push_back(float(amplitude / f));
      }
      const double signal = median_in_place(std::span<float>(flux)) *
                            median_in_place(std::span<float>(concentration)) / quality.noise;
      quality.psf_weight = signal * signal;
    }
  }
  return quality;
}

}  // namespace astropack
