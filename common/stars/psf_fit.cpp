// SPDX-License-Identifier: GPL-3.0-or-later
// Elliptical Gaussian and Moffat fits with GSL's trust-region Levenberg-Marquardt.
// Parameters: background, amplitude, centre, the quadratic form a, b, c of the
// ellipse (Q = a dx^2 + 2 b dx dy + c dy^2), and for Moffat log(beta - 1) so that
// beta stays above 1.
#include "astropack/psf_fit.hpp"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_vector.h>

#include <algorithm>
#include <cmath>

namespace astropack {

namespace {

constexpr double kFwhmOverSigma = 2.3548200450309493;

struct Box {
  std::vector<double> x, y, value;
  PsfProfile profile = PsfProfile::Moffat;
};

double model(PsfProfile profile, const double* p, double x, double y) {
  const double dx = x - p[2], dy = y - p[3];
  const double q = p[4] * dx * dx + 2 * p[5] * dx * dy + p[6] * dy * dy;
  if (profile == PsfProfile::Gaussian) return p[0] + p[1] * std::exp(-0.5 * q);
  const double beta = 1 + std::exp(p[7]);
  return p[0] + p[1] * std::pow(1 + std::max(q, -0.999), -beta);
}

int residuals(const gsl_vector* params, void* data, gsl_vector* f) {
  const Box& box = *static_cast<const Box*>(data);
  double p[8];
  for (std::size_t i = 0; i < params->size; ++i) p[i] = gsl_vector_get(params, i);
  for (std::size_t i = 0; i < box.value.size(); ++i)
    gsl_vector_set(f, i, model(box.profile, p, box.x[i], box.y[i]) - box.value[i]);
  return GSL_SUCCESS;
}

}  // namespace

PsfFit fit_psf(ConstImageView channel, const DetectedStar& star, const PsfOptions& options) {
  // GSL's default handler aborts the process; its status codes are checked instead.
  static const bool handler_off = (gsl_set_error_handler_off(), true);
  (void)handler_off;
  PsfFit fit;
  const double radius = options.box_radius >= 0 ? options.box_radius
                                                : std::max(5.0, 2.5 * options.fwhm_guess);
  const long w = long(channel.width()), h = long(channel.height());
  const long cx = std::lround(star.x), cy = std::lround(star.y), r = long(std::ceil(radius));
  Box box;
  box.profile = options.profile;
  for (long y = std::max(0L, cy - r); y <= std::min(h - 1, cy + r); ++y)
    for (long x = std::max(0L, cx - r); x <= std::min(w - 1, cx + r); ++x) {
      const float v = channel.at(0, std::size_t(y), std::size_t(x));
      if (!std::isfinite(v)) continue;
      box.x.push_back(double(x));
      box.y.push_back(double(y));
      box.value.push_back(v);
    }
  const std::size_t n_params = options.profile == PsfProfile::Moffat ? 8 : 7;
  if (box.value.size() < 3 * n_params) return fit;

  const double beta0 = 3.0;
  const double half = options.fwhm_guess / 2;
  const double scale2 = options.profile == PsfProfile::Gaussian
                            ? std::pow(options.fwhm_guess / kFwhmOverSigma, 2)
                            : half * half / (std::pow(2.0, 1 / beta0) - 1);
  double start[8] = {star.background, std::max(star.peak, 1e-6), star.x, star.y,
                     1 / scale2, 0, 1 / scale2, std::log(beta0 - 1)};
  gsl_vector_view x0 = gsl_vector_view_array(start, n_params);

  gsl_multifit_nlinear_fdf fdf;
  fdf.f = residuals;
  fdf.df = nullptr;  // finite differences
  fdf.fvv = nullptr;
  fdf.n = box.value.size();
  fdf.p = n_params;
  fdf.params = &box;
  gsl_multifit_nlinear_parameters params = gsl_multifit_nlinear_default_parameters();
  params.trs = gsl_multifit_nlinear_trs_lm;
  gsl_multifit_nlinear_workspace* work =
      gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &params, fdf.n, fdf.p);
  gsl_multifit_nlinear_init(&x0.vector, &fdf, work);
  int info = 0;
  const int status = gsl_multifit_nlinear_driver(std::size_t(options.max_iterations), 1e-8, 1e-8,
                                                 0.0, nullptr, nullptr, &info, work);
  double p[8] = {};
  const gsl_vector* solution = gsl_multifit_nlinear_position(work);
  for (std::size_t i = 0; i < n_params; ++i) p[i] = gsl_vector_get(solution, i);
  double chi = 0;
  gsl_blas_ddot(gsl_multifit_nlinear_residual(work), gsl_multifit_nlinear_residual(work), &chi);
  gsl_multifit_nlinear_free(work);

  // An amplitude far above every pixel is a degenerate cusp, not a star.
  const double a = p[4], b = p[5], c = p[6];
  const double det = a * c - b * b;
  if ((status != GSL_SUCCESS && status != GSL_EMAXITER) || !(a > 0) || !(c > 0) || !(det > 0) ||
      !(p[1] > 0) || !std::isfinite(p[0]) ||
      p[1] > 3 * std::max(star.peak, 3 * star.noise) || std::hypot(p[2] - star.x, p[3] - star.y) > radius / 2)
    return fit;
  const double mean = (a + c) / 2, spread = std::sqrt((a - c) * (a - c) / 4 + b * b);
  const double strong = mean + spread, weak = mean - spread;  // eigenvalues of the form
  if (!(weak > 0)) return fit;
  fit.beta = options.profile == PsfProfile::Moffat ? 1 + std::exp(p[7]) : 0;
  const double width_factor = options.profile == PsfProfile::Gaussian
                                  ? kFwhmOverSigma
                                  : 2 * std::sqrt(std::pow(2.0, 1 / fit.beta) - 1);
  fit.fwhm_major = width_factor / std::sqrt(weak);
  fit.fwhm_minor = width_factor / std::sqrt(strong);
  if (fit.fwhm_major > 2 * radius) return fit;
  if (options.remove_pixel_width) {
    // A pixel averages the profile over its area: 1/12 px^2 of variance per axis.
    const double pixel = kFwhmOverSigma * kFwhmOverSigma / 12;
    fit.fwhm_major = std::sqrt(std::max(0.25, fit.fwhm_major * fit.fwhm_major - pixel));
    fit.fwhm_minor = std::sqrt(std::max(0.25, fit.fwhm_minor * fit.fwhm_minor - pixel));
  }
  fit.fwhm = std::sqrt(fit.fwhm_major * fit.fwhm_minor);
  // The strong eigenvector lies at 0.5 atan2(2b, a - c); the major axis is normal to it.
  double angle = 0.5 * std::atan2(2 * b, a - c) * 180.0 / M_PI + 90.0;
  if (angle > 90.0) angle -= 180.0;
  fit.angle_deg = angle;
  fit.eccentricity = std::sqrt(std::max(0.0, 1 - std::pow(fit.fwhm_minor / fit.fwhm_major, 2)));
  fit.x = p[2];
  fit.y = p[3];
  fit.background = p[0];
  fit.amplitude = p[1];
  fit.flux = options.profile == PsfProfile::Gaussian
                 ? 2 * M_PI * p[1] / std::sqrt(det)
                 : M_PI * p[1] / ((fit.beta - 1) * std::sqrt(det));
  const double sigma_major = fit.fwhm_major / kFwhmOverSigma;
  const double sigma_minor = fit.fwhm_minor / kFwhmOverSigma;
  const double area = 4 * M_PI * sigma_major * sigma_minor;
  double variance = area * star.noise * star.noise;
  if (options.electrons_per_unit > 0) variance += fit.flux / options.electrons_per_unit;
  fit.snr = variance > 0 ? fit.flux / std::sqrt(variance) : 0;
  fit.rms = std::sqrt(chi / double(box.value.size()));
  fit.ok = true;
  return fit;
}

std::vector<PsfFit> fit_stars(ConstImageView channel, const StarDetection& detection,
                              const PsfOptions& options) {
  std::vector<PsfFit> fits(detection.stars.size());
  const long count = long(detection.stars.size());
#pragma omp parallel for schedule(dynamic, 4) default(none) \
    shared(channel, detection, options, fits) firstprivate(count)
  for (long i = 0; i < count; ++i)
    if (!detection.stars[std::size_t(i)].saturated)
      fits[std::size_t(i)] = fit_psf(channel, detection.stars[std::size_t(i)], options);
  return fits;
}

std::optional<double> image_scale_arcsec(const Header& header) {
  if (!header.pixel_size_x || !header.focal_length || !(*header.pixel_size_x > 0) ||
      !(*header.focal_length > 0))
    return std::nullopt;
  return 206.265 * *header.pixel_size_x / *header.focal_length;
}

}  // namespace astropack
