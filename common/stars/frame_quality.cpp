// SPDX-License-Identifier: GPL-3.0-or-later
// Per-frame quality: the channel to measure, then detection, PSF fits and the
// frame's statistics folded into medians, a mean star shape and weights.
#include "astropack/frame_quality.hpp"

#include <algorithm>
#include <cmath>
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

// Where a superpixel samples the sky: its two green sites, each a pixel of half
// the superpixel's side (2 x 2 points each), in superpixel units from its centre.
std::vector<std::array<double, 2>> green_response(CfaPattern origin) {
  std::vector<std::array<double, 2>> points;
  for (std::size_t dy = 0; dy < 2; ++dy)
    for (std::size_t dx = 0; dx < 2; ++dx)
      if (cfa_color(origin, dy, dx) == CfaColor::Green)
        for (double sy : {-0.125, 0.125})
          for (double sx : {-0.125, 0.125})
            points.push_back({(double(dx) - 0.5) / 2 + sx, (double(dy) - 0.5) / 2 + sy});
  return points;
}

Image luminance(const Image& image) {
  Image out(image.width(), image.height(), 1);
  for (std::size_t i = 0; i < image.pixel_count(); ++i)
    out.samples()[i] = 0.2126f * image.plane(0)[i] + 0.7152f * image.plane(1)[i] +
                       0.0722f * image.plane(2)[i];
  return out;
}

double median_of(std::vector<float> values) {
  return values.empty() ? 0.0 : median_in_place(std::span<float>(values));
}

// The eccentricity of the stars' mean shape (see FrameQuality::eccentricity). Each
// star gives chi = (M - m) / (M + m) along twice its angle, M and m its squared axes.
double mean_shape_eccentricity(const std::vector<const PsfFit*>& fits) {
  struct Shape {
    double e1, e2, weight;
  };
  std::vector<Shape> shapes;
  for (const PsfFit* f : fits) {
    const double big = f->fwhm_major * f->fwhm_major, small = f->fwhm_minor * f->fwhm_minor;
    const double chi = (big - small) / (big + small);
    const double angle = 2 * f->angle_deg * M_PI / 180;
    // Noise of chi falls as 1 / SNR; 0.01 stands for the PSF's own variation.
    shapes.push_back({chi * std::cos(angle), chi * std::sin(angle),
                      1 / (1 / (f->snr * f->snr) + 1e-4)});
  }
  if (shapes.empty()) return 0;
  double e1 = 0, e2 = 0;
  std::vector<bool> keep(shapes.size(), true);
  for (int pass = 0; pass < 5; ++pass) {
    double sw = 0;
    e1 = e2 = 0;
    for (std::size_t i = 0; i < shapes.size(); ++i)
      if (keep[i]) {
        sw += shapes[i].weight;
        e1 += shapes[i].weight * shapes[i].e1;
        e2 += shapes[i].weight * shapes[i].e2;
      }
    e1 /= sw;
    e2 /= sw;
    // Blends and galaxies: far off in units of the typical normalised residual
    // (Rayleigh-distributed, median 1.177 sigma).
    std::vector<float> residual;
    for (const Shape& s : shapes)
      residual.push_back(float(std::hypot(s.e1 - e1, s.e2 - e2) * std::sqrt(s.weight)));
    const double sigma = median_of(residual) / 1.177;
    bool changed = false;
    for (std::size_t i = 0; i < shapes.size(); ++i) {
      const bool k = !(sigma > 0) || residual[i] <= 3.5 * sigma;
      changed |= k != keep[i];
      keep[i] = k;
    }
    if (!changed) break;
  }
  // The mean's own variance, from the scatter, is taken out of its squared length.
  double sw = 0, sw2d2 = 0;
  std::size_t n = 0;
  for (std::size_t i = 0; i < shapes.size(); ++i)
    if (keep[i]) {
      const double d2 = std::pow(shapes[i].e1 - e1, 2) + std::pow(shapes[i].e2 - e2, 2);
      sw += shapes[i].weight;
      sw2d2 += shapes[i].weight * shapes[i].weight * d2;
      ++n;
    }
  double chi2 = e1 * e1 + e2 * e2;
  if (n >= 2) chi2 -= sw2d2 / (sw * sw) * double(n) / double(n - 1);
  const double chi = std::sqrt(std::max(0.0, chi2));
  return std::sqrt(2 * chi / (1 + chi));
}

// Mean absolute deviation from the median over the finite non-zero pixels (zero is
// "no data"), the median taken from a regular subsample of at most 2^18 pixels.
double mean_absolute_deviation(ConstImageView channel) {
  const std::size_t w = channel.width(), h = channel.height();
  const std::size_t stride =
      std::max<std::size_t>(1, std::size_t(std::ceil(std::sqrt(double(w) * double(h) / 262144))));
  std::vector<float> samples;
  samples.reserve((w / stride + 1) * (h / stride + 1));
  for (std::size_t y = stride / 2; y < h; y += stride) {
    const float* row = channel.row(0, y);
    for (std::size_t x = stride / 2; x < w; x += stride)
      if (std::isfinite(row[x]) && row[x] != 0) samples.push_back(row[x]);
  }
  if (samples.empty()) return 0;
  const double median = median_in_place(samples);
  double sum = 0;
  std::size_t n = 0;
  for (std::size_t y = 0; y < h; ++y) {
    const float* row = channel.row(0, y);
    double row_sum = 0;
    for (std::size_t x = 0; x < w; ++x)
      if (std::isfinite(row[x]) && row[x] != 0) {
        row_sum += std::fabs(row[x] - median);
        ++n;
      }
    sum += row_sum;
  }
  return n ? sum / double(n) : 0.0;
}

struct Measured {
  FrameStars stars;
  double avg_dev = 0;  // of the measured channel
};

Measured measure(const Image& image, const FrameQualityOptions& options, bool statistics) {
  Measured out;
  FrameStars& result = out.stars;
  Image derived;
  ConstImageView channel = image.view().plane(0);
  double scale = 1;  // full-resolution pixels per measured pixel
  DetectionOptions detection = options.detection;
  PsfOptions psf = options.psf;
  // The star's own photon noise in its SNR, when the header gives the camera's gain.
  if (psf.electrons_per_unit <= 0 && image.header().electrons_per_adu &&
      *image.header().electrons_per_adu > 0)
    psf.electrons_per_unit = *image.header().electrons_per_adu * 65535.0;
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
    result.cfa = true;
    detection.fwhm_guess /= 2;
    psf.fwhm_guess /= 2;
    if (psf.pixel_response.empty()) psf.pixel_response = green_response(*origin);
  }
  result.detection = detect_stars(channel, detection);
  std::vector<DetectedStar>& stars = result.detection.stars;
  // Aperture SNR over the background noise, in the detector's flux radius.
  const double radius = std::max(2.0, std::ceil(2 * std::max(1.0, detection.fwhm_guess)));
  const double aperture = M_PI * radius * radius;
  StarDetection to_fit;
  std::vector<std::size_t> fitted_index;
  for (std::size_t i = 0; i < stars.size(); ++i) {
    const double snr = stars[i].noise > 0 ? stars[i].flux / (stars[i].noise * std::sqrt(aperture))
                                          : 0.0;
    result.snr.push_back(snr);
    if (!stars[i].saturated && snr >= options.min_star_snr &&
        to_fit.stars.size() < options.max_fitted) {
      to_fit.stars.push_back(stars[i]);
      fitted_index.push_back(i);
    }
  }
  const std::vector<PsfFit> fits = fit_stars(channel, to_fit, psf);
  result.fits.assign(stars.size(), PsfFit{});
  for (std::size_t k = 0; k < fits.size(); ++k) result.fits[fitted_index[k]] = fits[k];
  if (statistics) out.avg_dev = mean_absolute_deviation(channel);
  if (scale != 1) {
    // Superpixel (X, Y) covers full-resolution pixels 2X..2X+1: its centre is 2X + 0.5.
    const double area = scale * scale;
    for (DetectedStar& s : stars) {
      s.x = scale * s.x + 0.5;
      s.y = scale * s.y + 0.5;
      s.flux *= area;
    }
    for (PsfFit& f : result.fits) {
      f.x = scale * f.x + 0.5;
      f.y = scale * f.y + 0.5;
      f.fwhm *= scale;
      f.fwhm_major *= scale;
      f.fwhm_minor *= scale;
      f.flux *= area;
    }
  }
  return out;
}

}  // namespace

FrameStars find_frame_stars(const Image& image, const FrameQualityOptions& options) {
  return measure(image, options, /*statistics=*/false).stars;
}

FrameQuality measure_frame(const Image& image, const FrameQualityOptions& options) {
  FrameQuality quality;
  const Measured measured = measure(image, options, /*statistics=*/true);
  const FrameStars& found = measured.stars;
  quality.cfa = found.cfa;
  quality.detected = found.detection.stars.size();
  quality.stars = std::size_t(std::count_if(found.snr.begin(), found.snr.end(), [&](double s) {
    return s >= options.min_star_snr;
  }));
  std::vector<const PsfFit*> good;
  for (const PsfFit& f : found.fits)
    if (f.ok && f.snr >= options.min_star_snr) good.push_back(&f);
  quality.fitted = good.size();
  quality.background = found.detection.background.median_level();
  quality.noise = found.detection.background.median_noise();
  if (const auto arcsec = image_scale_arcsec(image.header())) quality.arcsec_per_px = *arcsec;
  if (!good.empty()) {
    std::vector<float> fwhm, ecc, area;
    for (const PsfFit* f : good) {
      fwhm.push_back(float(f->fwhm));
      ecc.push_back(float(f->eccentricity));
      area.push_back(float(f->flux / f->amplitude));
    }
    quality.fwhm = median_of(fwhm);
    quality.star_eccentricity = median_of(ecc);
    quality.eccentricity = mean_shape_eccentricity(good);
    quality.fwhm_arcsec = quality.fwhm * quality.arcsec_per_px;
    // The peak over the noise of a star of unit flux: 1 / (PSF area x noise).
    if (quality.noise > 0) quality.psf_weight = std::pow(1 / (median_of(area) * quality.noise), 2);
  }
  if (quality.noise > 0) {
    quality.snr = measured.avg_dev / quality.noise;
    quality.snr_weight = quality.snr * quality.snr;
  }
  return quality;
}

}  // namespace astropack
