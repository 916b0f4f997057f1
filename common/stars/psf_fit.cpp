// SPDX-License-Identifier: GPL-3.0-or-later
// Elliptical Gaussian and Moffat fits with GSL's trust-region Levenberg-Marquardt
// and an analytic Jacobian. Parameters: background, amplitude, centre, the
// quadratic form a, b, c of the ellipse (Q = a dx^2 + 2 b dx dy + c dy^2), and
// for a fitted Moffat exponent t with beta = 1.2 + 8.8 / (1 + exp(-t)), so that
// beta stays where real stars have it and the flux integral stays finite.
#include "astropack/psf_fit.hpp"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_vector.h>

#include <algorithm>
#include <cmath>

#include "astropack/statistics.hpp"

namespace astropack {

namespace {

constexpr double kFwhmOverSigma = 2.3548200450309493;
constexpr double kBetaLow = 1.2, kBetaHigh = 10.0;

double beta_of(double t) { return kBetaLow + (kBetaHigh - kBetaLow) / (1 + std::exp(-t)); }
double t_of(double beta) {
  const double s = (beta - kBetaLow) / (kBetaHigh - kBetaLow);
  return std::log(s / (1 - s));
}

// Profile and its derivatives for one pixel, averaged over its sample points.
struct PixelModel {
  double f = 0;                              // shape, 1 at the centre
  double dx0 = 0, dy0 = 0, da = 0, db = 0, dc = 0, dbeta = 0;
};

struct Box {
  std::vector<double> x, y, value;
  std::vector<bool> core;  // averaged over the pixel's response
  std::vector<std::array<double, 2>> response;
  PsfProfile profile = PsfProfile::Moffat;
  double fixed_beta = 0;   // > 0: beta is not a parameter
  // The models of the last residuals: the solver asks for the Jacobian where it
  // has just evaluated them.
  std::array<double, 8> cached_params{};
  std::vector<PixelModel> cached;
};

PixelModel pixel_model(const Box& box, std::size_t i, const double* p, double beta) {
  static constexpr std::array<double, 2> kCentre[] = {{0.0, 0.0}};
  const std::array<double, 2>* points = box.core[i] ? box.response.data() : kCentre;
  const std::size_t count = box.core[i] ? box.response.size() : 1;
  const double a = p[4], b = p[5], c = p[6];
  PixelModel m;
  for (std::size_t k = 0; k < count; ++k) {
    const double dx = box.x[i] + points[k][0] - p[2], dy = box.y[i] + points[k][1] - p[3];
    const double q = a * dx * dx + 2 * b * dx * dy + c * dy * dy;
    double f = 0, g = 0;  // g = df/dQ
    if (box.profile == PsfProfile::Gaussian) {
      f = std::exp(-0.5 * std::max(q, -50.0));
      g = -0.5 * f;
    } else {
      const double u = std::max(1 + q, 1e-3);
      const double log_u = std::log(u);
      f = std::exp(-beta * log_u);
      g = -beta * f / u;
      m.dbeta -= log_u * f;
    }
    m.f += f;
    m.dx0 -= g * 2 * (a * dx + b * dy);
    m.dy0 -= g * 2 * (b * dx + c * dy);
    m.da += g * dx * dx;
    m.db += g * 2 * dx * dy;
    m.dc += g * dy * dy;
  }
  const double inverse = 1.0 / double(count);
  m.f *= inverse;
  m.dx0 *= inverse;
  m.dy0 *= inverse;
  m.da *= inverse;
  m.db *= inverse;
  m.dc *= inverse;
  m.dbeta *= inverse;
  return m;
}

double current_beta(const Box& box, const double* p) {
  if (box.profile == PsfProfile::Gaussian) return 0;
  return box.fixed_beta > 0 ? box.fixed_beta : beta_of(p[7]);
}

void read_params(const gsl_vector* params, double* p) {
  for (std::size_t i = 0; i < params->size; ++i) p[i] = gsl_vector_get(params, i);
}

// The pixel models at `p`, from the cache when the parameters are those of the last call.
const std::vector<PixelModel>& models(Box& box, const double* p) {
  if (!box.cached.empty() && std::equal(p, p + 8, box.cached_params.begin())) return box.cached;
  const double beta = current_beta(box, p);
  box.cached.resize(box.value.size());
  for (std::size_t i = 0; i < box.value.size(); ++i) box.cached[i] = pixel_model(box, i, p, beta);
  std::copy(p, p + 8, box.cached_params.begin());
  return box.cached;
}

int residuals(const gsl_vector* params, void* data, gsl_vector* f) {
  Box& box = *static_cast<Box*>(data);
  double p[8] = {};
  read_params(params, p);
  const std::vector<PixelModel>& m = models(box, p);
  for (std::size_t i = 0; i < box.value.size(); ++i)
    gsl_vector_set(f, i, p[0] + p[1] * m[i].f - box.value[i]);
  return GSL_SUCCESS;
}

int jacobian(const gsl_vector* params, void* data, gsl_matrix* j) {
  Box& box = *static_cast<Box*>(data);
  double p[8] = {};
  read_params(params, p);
  const std::vector<PixelModel>& models_at_p = models(box, p);
  double dbeta_dt = 0;
  if (params->size == 8) {
    const double s = 1 / (1 + std::exp(-p[7]));
    dbeta_dt = (kBetaHigh - kBetaLow) * s * (1 - s);
  }
  for (std::size_t i = 0; i < box.value.size(); ++i) {
    const PixelModel& m = models_at_p[i];
    const double row[8] = {1.0,          m.f,          p[1] * m.dx0, p[1] * m.dy0,
                           p[1] * m.da,  p[1] * m.db,  p[1] * m.dc,  p[1] * m.dbeta * dbeta_dt};
    for (std::size_t k = 0; k < params->size; ++k) gsl_matrix_set(j, i, k, row[k]);
  }
  return GSL_SUCCESS;
}

// A square pixel: the centres of its 3 x 3 sub-pixels.
std::vector<std::array<double, 2>> square_pixel() {
  std::vector<std::array<double, 2>> points;
  for (int j = -1; j <= 1; ++j)
    for (int i = -1; i <= 1; ++i) points.push_back({i / 3.0, j / 3.0});
  return points;
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
  box.fixed_beta = options.profile == PsfProfile::Moffat ? std::max(0.0, options.beta) : 0.0;
  box.response = !options.remove_pixel_width ? std::vector<std::array<double, 2>>{{0.0, 0.0}}
                 : options.pixel_response.empty() ? square_pixel()
                                                  : options.pixel_response;
  // Beyond 1.5 FWHM the profile is nearly straight across a pixel: one sample does.
  const double core2 = std::pow(1.5 * std::max(1.0, options.fwhm_guess), 2);
  for (long y = std::max(0L, cy - r); y <= std::min(h - 1, cy + r); ++y)
    for (long x = std::max(0L, cx - r); x <= std::min(w - 1, cx + r); ++x) {
      const float v = channel.at(0, std::size_t(y), std::size_t(x));
      if (!std::isfinite(v)) continue;
      box.x.push_back(double(x));
      box.y.push_back(double(y));
      box.value.push_back(v);
      box.core.push_back(std::pow(double(x) - star.x, 2) + std::pow(double(y) - star.y, 2) <=
                         core2);
    }
  const bool free_beta = options.profile == PsfProfile::Moffat && box.fixed_beta <= 0;
  const std::size_t n_params = free_beta ? 8 : 7;
  if (box.value.size() < 3 * n_params) return fit;

  const double beta0 = box.fixed_beta > 0 ? box.fixed_beta : 3.0;
  const double half = options.fwhm_guess / 2;
  const double scale2 = options.profile == PsfProfile::Gaussian
                            ? std::pow(options.fwhm_guess / kFwhmOverSigma, 2)
                            : half * half / (std::pow(2.0, 1 / beta0) - 1);
  double start[8] = {star.background, std::max(star.peak, 1e-6), star.x, star.y,
                     1 / scale2, 0, 1 / scale2, t_of(beta0)};
  gsl_vector_view x0 = gsl_vector_view_array(start, n_params);

  gsl_multifit_nlinear_fdf fdf;
  fdf.f = residuals;
  fdf.df = jacobian;
  fdf.fvv = nullptr;
  fdf.n = box.value.size();
  fdf.p = n_params;
  fdf.params = &box;
  gsl_multifit_nlinear_parameters params = gsl_multifit_nlinear_default_parameters();
  params.trs = gsl_multifit_nlinear_trs_lm;
  params.solver = gsl_multifit_nlinear_solver_cholesky;  // n >> p: the normal equations
  gsl_multifit_nlinear_workspace* work =
      gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &params, fdf.n, fdf.p);
  gsl_multifit_nlinear_init(&x0.vector, &fdf, work);
  int info = 0;
  const int status = gsl_multifit_nlinear_driver(std::size_t(options.max_iterations), 1e-6, 1e-6,
                                                 0.0, nullptr, nullptr, &info, work);
  double p[8] = {};
  read_params(gsl_multifit_nlinear_position(work), p);
  double chi = 0;
  gsl_blas_ddot(gsl_multifit_nlinear_residual(work), gsl_multifit_nlinear_residual(work), &chi);
  gsl_multifit_nlinear_free(work);

  // An amplitude far above every pixel is a degenerate cusp, not a star.
  const double a = p[4], b = p[5], c = p[6];
  const double det = a * c - b * b;
  if ((status != GSL_SUCCESS && status != GSL_EMAXITER) || !(a > 0) || !(c > 0) || !(det > 0) ||
      !(p[1] > 0) || !std::isfinite(p[0]) || p[1] > 4 * std::max(star.peak, 3 * star.noise) ||
      std::hypot(p[2] - star.x, p[3] - star.y) > radius / 2)
    return fit;
  const double mean = (a + c) / 2, spread = std::sqrt((a - c) * (a - c) / 4 + b * b);
  const double strong = mean + spread, weak = mean - spread;  // eigenvalues of the form
  if (!(weak > 0)) return fit;
  fit.beta = current_beta(box, p);
  const double width_factor = options.profile == PsfProfile::Gaussian
                                  ? kFwhmOverSigma
                                  : 2 * std::sqrt(std::pow(2.0, 1 / fit.beta) - 1);
  fit.fwhm_major = width_factor / std::sqrt(weak);
  fit.fwhm_minor = width_factor / std::sqrt(strong);
  if (fit.fwhm_major > 2 * radius) return fit;
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

namespace {

void fit_some(ConstImageView channel, const StarDetection& detection, const PsfOptions& options,
              const std::vector<std::size_t>& which, std::vector<PsfFit>& fits) {
  const long count = long(which.size());
#pragma omp parallel for schedule(dynamic, 4) default(none) \
    shared(channel, detection, options, which, fits) firstprivate(count)
  for (long k = 0; k < count; ++k) {
    const std::size_t i = which[std::size_t(k)];
    fits[i] = fit_psf(channel, detection.stars[i], options);
  }
}

}  // namespace

std::vector<PsfFit> fit_stars(ConstImageView channel, const StarDetection& detection,
                              const PsfOptions& options) {
  std::vector<PsfFit> fits(detection.stars.size());
  std::vector<std::size_t> all;
  for (std::size_t i = 0; i < detection.stars.size(); ++i)
    if (!detection.stars[i].saturated) all.push_back(i);
  PsfOptions rest = options;
  if (options.profile == PsfProfile::Moffat && !(options.beta > 0)) {
    // Stars come brightest first: the first ones set the exponent and the box.
    const std::vector<std::size_t> bright(all.begin(),
                                          all.begin() + long(std::min<std::size_t>(all.size(), 30)));
    fit_some(channel, detection, options, bright, fits);
    std::vector<float> beta, fwhm;
    for (std::size_t i : bright)
      if (fits[i].ok && fits[i].snr >= 20) {
        beta.push_back(float(fits[i].beta));
        fwhm.push_back(float(fits[i].fwhm));
      }
    if (beta.size() >= 3) {
      rest.beta = median_in_place(beta);
      rest.fwhm_guess = median_in_place(fwhm);
    }
  }
  fit_some(channel, detection, rest, all, fits);
  return fits;
}

std::optional<double> image_scale_arcsec(const Header& header) {
  if (!header.pixel_size_x || !header.focal_length || !(*header.pixel_size_x > 0) ||
      !(*header.focal_length > 0))
    return std::nullopt;
  return 206.265 * *header.pixel_size_x / *header.focal_length;
}

}  // namespace astropack
