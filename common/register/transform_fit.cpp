// SPDX-License-Identifier: GPL-3.0-or-later
// Least-squares registration fits. Every fit works on normalised coordinates
// (each point set centred on its centroid and scaled to a mean distance of
// sqrt(2), Hartley's normalisation) so that the equations stay well
// conditioned for frames of any size, then maps the result back.
#include "astropack/transform_fit.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace astropack {

namespace {

// p -> (p - centre) x scale
struct Normaliser {
  double cx = 0, cy = 0, scale = 1;

  Point2 to(Point2 p) const noexcept { return {(p.x - cx) * scale, (p.y - cy) * scale}; }
  Transform forward() const noexcept {
    return Transform::from_matrix({scale, 0, -scale * cx, 0, scale, -scale * cy, 0, 0, 1});
  }
  Transform backward() const noexcept {
    return Transform::from_matrix({1 / scale, 0, cx, 0, 1 / scale, cy, 0, 0, 1});
  }
};

// Centred on the weighted centroid, where the translation of the best
// similarity or affine map between two normalised sets is 0.
std::optional<Normaliser> normaliser(std::span<const Point2> points,
                                     const std::vector<double>& w) {
  Normaliser n;
  double total = 0;
  for (std::size_t i = 0; i < points.size(); ++i) {
    n.cx += w[i] * points[i].x;
    n.cy += w[i] * points[i].y;
    total += w[i];
  }
  if (!(total > 0)) return std::nullopt;
  n.cx /= total;
  n.cy /= total;
  double distance = 0;
  for (const Point2& p : points) distance += std::hypot(p.x - n.cx, p.y - n.cy);
  distance /= double(points.size());
  if (!(distance > 0) || !std::isfinite(distance)) return std::nullopt;
  n.scale = std::sqrt(2.0) / distance;
  return n;
}

// Solves a x = b (n x n, row-major) by Gaussian elimination with partial
// pivoting; false when a is singular for practical purposes.
template <std::size_t N>
bool solve(std::array<double, N * N> a, std::array<double, N> b, std::array<double, N>& x) {
  double largest = 0;
  for (const double v : a) largest = std::max(largest, std::abs(v));
  if (!(largest > 0) || !std::isfinite(largest)) return false;
  for (std::size_t col = 0; col < N; ++col) {
    std::size_t pivot = col;
    for (std::size_t r = col + 1; r < N; ++r)
      if (std::abs(a[r * N + col]) > std::abs(a[pivot * N + col])) pivot = r;
    if (std::abs(a[pivot * N + col]) <= 1e-12 * largest) return false;
    if (pivot != col) {
      for (std::size_t c = 0; c < N; ++c) std::swap(a[col * N + c], a[pivot * N + c]);
      std::swap(b[col], b[pivot]);
    }
    for (std::size_t r = col + 1; r < N; ++r) {
      const double f = a[r * N + col] / a[col * N + col];
      if (f == 0) continue;
      for (std::size_t c = col; c < N; ++c) a[r * N + c] -= f * a[col * N + c];
      b[r] -= f * b[col];
    }
  }
  for (std::size_t r = N; r-- > 0;) {
    double s = b[r];
    for (std::size_t c = r + 1; c < N; ++c) s -= a[r * N + c] * x[c];
    x[r] = s / a[r * N + r];
  }
  return std::all_of(x.begin(), x.end(), [](double v) { return std::isfinite(v); });
}

std::optional<Transform> fit_shift(std::span<const Point2> reference,
                                   std::span<const Point2> frame, const std::vector<double>& w) {
  double dx = 0, dy = 0, total = 0;
  for (std::size_t i = 0; i < reference.size(); ++i) {
    dx += w[i] * (frame[i].x - reference[i].x);
    dy += w[i] * (frame[i].y - reference[i].y);
    total += w[i];
  }
  if (!(total > 0)) return std::nullopt;
  return Transform::shift(dx / total, dy / total);
}

// On normalised (centred) points: the proper similarity x' = a x - b y,
// y' = b x + a y, or the mirrored one x' = a x + b y, y' = b x - a y, whichever
// leaves the smaller residual (the larger a^2 + b^2, for the same data).
std::optional<Transform> fit_similarity(const std::vector<Point2>& u, const std::vector<Point2>& v,
                                        const std::vector<double>& w) {
  double s = 0, a_proper = 0, b_proper = 0, a_mirror = 0, b_mirror = 0;
  for (std::size_t i = 0; i < u.size(); ++i) {
    s += w[i] * (u[i].x * u[i].x + u[i].y * u[i].y);
    a_proper += w[i] * (u[i].x * v[i].x + u[i].y * v[i].y);
    b_proper += w[i] * (u[i].x * v[i].y - u[i].y * v[i].x);
    a_mirror += w[i] * (u[i].x * v[i].x - u[i].y * v[i].y);
    b_mirror += w[i] * (u[i].y * v[i].x + u[i].x * v[i].y);
  }
  if (!(s > 0)) return std::nullopt;
  const double proper = a_proper * a_proper + b_proper * b_proper;
  const double mirror = a_mirror * a_mirror + b_mirror * b_mirror;
  if (!(std::max(proper, mirror) > 0)) return std::nullopt;
  if (proper >= mirror) {
    const double a = a_proper / s, b = b_proper / s;
    return Transform::from_matrix({a, -b, 0, b, a, 0, 0, 0, 1});
  }
  const double a = a_mirror / s, b = b_mirror / s;
  return Transform::from_matrix({a, b, 0, b, -a, 0, 0, 0, 1});
}

// On normalised (centred) points the translation of the best affine map is 0.
std::optional<Transform> fit_affine(const std::vector<Point2>& u, const std::vector<Point2>& v,
                                    const std::vector<double>& w) {
  std::array<double, 4> m{};
  std::array<double, 2> bx{}, by{};
  for (std::size_t i = 0; i < u.size(); ++i) {
    m[0] += w[i] * u[i].x * u[i].x;
    m[1] += w[i] * u[i].x * u[i].y;
    m[3] += w[i] * u[i].y * u[i].y;
    bx[0] += w[i] * u[i].x * v[i].x;
    bx[1] += w[i] * u[i].y * v[i].x;
    by[0] += w[i] * u[i].x * v[i].y;
    by[1] += w[i] * u[i].y * v[i].y;
  }
  m[2] = m[1];
  // Points on one line leave the normal matrix (nearly) singular.
  const double det = m[0] * m[3] - m[1] * m[2];
  if (!(det > 1e-10 * (m[0] + m[3]) * (m[0] + m[3]))) return std::nullopt;
  std::array<double, 2> rx{}, ry{};
  if (!solve<2>(m, bx, rx) || !solve<2>(m, by, ry)) return std::nullopt;
  return Transform::from_matrix({rx[0], rx[1], 0, ry[0], ry[1], 0, 0, 0, 1});
}

double squared_error(const std::array<double, 8>& h, const std::vector<Point2>& u,
                     const std::vector<Point2>& v, const std::vector<double>& w) {
  double sum = 0;
  for (std::size_t i = 0; i < u.size(); ++i) {
    const double den = h[6] * u[i].x + h[7] * u[i].y + 1;
    const double ex = (h[0] * u[i].x + h[1] * u[i].y + h[2]) / den - v[i].x;
    const double ey = (h[3] * u[i].x + h[4] * u[i].y + h[5]) / den - v[i].y;
    sum += w[i] * (ex * ex + ey * ey);
  }
  return sum;
}

// Levenberg-Marquardt steps on the geometric error from a starting homography
// (h22 = 1); keeps the start when no step improves it.
void refine_homography(std::array<double, 8>& h, const std::vector<Point2>& u,
                       const std::vector<Point2>& v, const std::vector<double>& w) {
  double error = squared_error(h, u, v, w);
  double lambda = 1e-3;
  for (int iteration = 0; iteration < 30 && error > 0; ++iteration) {
    std::array<double, 64> jtj{};
    std::array<double, 8> jtr{};
    for (std::size_t i = 0; i < u.size(); ++i) {
      const double x = u[i].x, y = u[i].y;
      const double den = h[6] * x + h[7] * y + 1;
      const double px = (h[0] * x + h[1] * y + h[2]) / den;
      const double py = (h[3] * x + h[4] * y + h[5]) / den;
      const std::array<double, 8> jx{x / den, y / den, 1 / den, 0,
                                     0,       0,       -x * px / den, -y * px / den};
      const std::array<double, 8> jy{0, 0, 0, x / den, y / den, 1 / den,
                                     -x * py / den, -y * py / den};
      const double rx = px - v[i].x, ry = py - v[i].y;
      for (std::size_t r = 0; r < 8; ++r) {
        jtr[r] += w[i] * (jx[r] * rx + jy[r] * ry);
        for (std::size_t c = 0; c < 8; ++c)
          jtj[r * 8 + c] += w[i] * (jx[r] * jx[c] + jy[r] * jy[c]);
      }
    }
    bool improved = false;
    while (lambda < 1e10) {
      std::array<double, 64> damped = jtj;
      for (std::size_t d = 0; d < 8; ++d) damped[d * 9] += lambda * std::max(jtj[d * 9], 1e-12);
      std::array<double, 8> minus_step{};
      if (!solve<8>(damped, jtr, minus_step)) break;
      std::array<double, 8> trial = h;
      for (std::size_t k = 0; k < 8; ++k) trial[k] -= minus_step[k];
      const double trial_error = squared_error(trial, u, v, w);
      if (trial_error < error) {
        const double gain = (error - trial_error) / error;
        h = trial;
        error = trial_error;
        lambda = std::max(lambda / 10, 1e-12);
        improved = gain > 1e-15;
        break;
      }
      lambda *= 10;
    }
    if (!improved) break;
  }
}

// The linear (DLT) solution with h22 = 1, which suits registration: frames
// never map the reference's centre to infinity.
std::optional<Transform> fit_homography(const std::vector<Point2>& u, const std::vector<Point2>& v,
                                        const std::vector<double>& w) {
  std::array<double, 64> ata{};
  std::array<double, 8> atb{};
  for (std::size_t i = 0; i < u.size(); ++i) {
    const double x = u[i].x, y = u[i].y, X = v[i].x, Y = v[i].y;
    const std::array<double, 8> rx{x, y, 1, 0, 0, 0, -x * X, -y * X};
    const std::array<double, 8> ry{0, 0, 0, x, y, 1, -x * Y, -y * Y};
    for (std::size_t r = 0; r < 8; ++r) {
      atb[r] += w[i] * (rx[r] * X + ry[r] * Y);
      for (std::size_t c = 0; c < 8; ++c)
        ata[r * 8 + c] += w[i] * (rx[r] * rx[c] + ry[r] * ry[c]);
    }
  }
  std::array<double, 8> h{};
  if (!solve<8>(ata, atb, h)) return std::nullopt;
  refine_homography(h, u, v, w);
  return Transform::from_matrix({h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], 1});
}

// Weights as given, or all 1; nothing when they are not usable.
std::optional<std::vector<double>> weights_for(std::size_t n, std::span<const double> weights) {
  if (weights.empty()) return std::vector<double>(n, 1.0);
  if (weights.size() < n) return std::nullopt;
  std::vector<double> w(weights.begin(), weights.begin() + std::ptrdiff_t(n));
  for (const double v : w)
    if (!(v > 0) || !std::isfinite(v)) return std::nullopt;
  return w;
}

// Cauchy tuning constant (95% efficiency on Gaussian residuals).
constexpr double kCauchy = 2.385;
// Median of a Rayleigh distribution over its scale: sqrt(2 ln 2).
constexpr double kRayleighMedian = 1.1774100225154747;

// Iteratively reweighted least squares with Cauchy weights over the inliers:
// pairs that miss by several times what their weight promises (a blend in one
// frame and not in the other, a star on a nebula's edge) count for less, while
// no pair is cut off outright. The scale comes from the median residual.
void reweight(ClippedFit& fit, std::span<const Point2> reference, std::span<const Point2> frame,
              TransformModel model, const std::vector<double>& w) {
  std::vector<Point2> ref_in, frame_in;
  std::vector<double> w_in, z;
  for (int iteration = 0; iteration < 10; ++iteration) {
    const std::vector<double> residuals = reprojection_residuals(fit.transform, reference, frame);
    z.clear();
    for (std::size_t i = 0; i < residuals.size(); ++i)
      if (fit.inlier[i]) z.push_back(residuals[i] * std::sqrt(w[i]));
    if (z.size() <= std::size_t(minimum_pairs(model))) return;
    std::vector<double> sorted = z;
    const auto middle = sorted.begin() + std::ptrdiff_t(sorted.size() / 2);
    std::nth_element(sorted.begin(), middle, sorted.end());
    const double scale = *middle / kRayleighMedian;
    if (!(scale > 0)) return;
    ref_in.clear();
    frame_in.clear();
    w_in.clear();
    std::size_t k = 0;
    for (std::size_t i = 0; i < residuals.size(); ++i)
      if (fit.inlier[i]) {
        const double u = z[k++] / (kCauchy * scale);
        ref_in.push_back(reference[i]);
        frame_in.push_back(frame[i]);
        w_in.push_back(w[i] / (1 + u * u));
      }
    const auto t = fit_transform(ref_in, frame_in, model, w_in);
    if (!t) return;
    fit.transform = *t;
  }
}

}  // namespace

std::optional<Transform> fit_transform(std::span<const Point2> reference,
                                       std::span<const Point2> frame, TransformModel model,
                                       std::span<const double> weights) {
  const std::size_t n = std::min(reference.size(), frame.size());
  if (n < std::size_t(minimum_pairs(model))) return std::nullopt;
  const auto w = weights_for(n, weights);
  if (!w) return std::nullopt;
  reference = reference.first(n);
  frame = frame.first(n);
  if (model == TransformModel::Shift) return fit_shift(reference, frame, *w);
  const auto from = normaliser(reference, *w);
  const auto to = normaliser(frame, *w);
  if (!from || !to) return std::nullopt;
  std::vector<Point2> u(n), v(n);
  for (std::size_t i = 0; i < n; ++i) {
    u[i] = from->to(reference[i]);
    v[i] = to->to(frame[i]);
  }
  std::optional<Transform> normalised;
  switch (model) {
    case TransformModel::Shift: break;
    case TransformModel::Similarity: normalised = fit_similarity(u, v, *w); break;
    case TransformModel::Affine: normalised = fit_affine(u, v, *w); break;
    case TransformModel::Homography: normalised = fit_homography(u, v, *w); break;
  }
  if (!normalised) return std::nullopt;
  const Transform result = from->forward().then(*normalised).then(to->backward());
  for (const double h : result.matrix())
    if (!std::isfinite(h)) return std::nullopt;
  return result;
}

std::vector<double> reprojection_residuals(const Transform& transform,
                                           std::span<const Point2> reference,
                                           std::span<const Point2> frame) {
  const std::size_t n = std::min(reference.size(), frame.size());
  std::vector<double> residuals(n);
  for (std::size_t i = 0; i < n; ++i) {
    const Point2 p = transform.apply(reference[i]);
    residuals[i] = std::hypot(p.x - frame[i].x, p.y - frame[i].y);
  }
  return residuals;
}

std::optional<ClippedFit> fit_transform_clipped(std::span<const Point2> reference,
                                                std::span<const Point2> frame,
                                                TransformModel model, const ClipOptions& options,
                                                std::span<const double> weights) {
  const std::size_t n = std::min(reference.size(), frame.size());
  const std::size_t minimum = std::size_t(minimum_pairs(model));
  const auto w = weights_for(n, weights);
  if (!w) return std::nullopt;
  ClippedFit fit;
  std::vector<bool> candidate(n, true);
  std::vector<Point2> ref_kept, frame_kept;
  std::vector<double> w_kept;
  for (int iteration = 0;; ++iteration) {
    ref_kept.clear();
    frame_kept.clear();
    w_kept.clear();
    for (std::size_t i = 0; i < n; ++i)
      if (candidate[i]) {
        ref_kept.push_back(reference[i]);
        frame_kept.push_back(frame[i]);
        w_kept.push_back((*w)[i]);
      }
    const auto transform = fit_transform(ref_kept, frame_kept, model, w_kept);
    if (!transform) {
      if (iteration == 0) return std::nullopt;
      break;  // the previous fit stands
    }
    const std::vector<double> residuals = reprojection_residuals(*transform, reference, frame);
    double sum = 0, weighted = 0, total = 0;
    for (std::size_t i = 0; i < n; ++i)
      if (candidate[i]) {
        sum += residuals[i] * residuals[i];
        weighted += (*w)[i] * residuals[i] * residuals[i];
        total += (*w)[i];
      }
    fit.transform = *transform;
    fit.inlier = candidate;
    fit.pairs = ref_kept.size();
    fit.rms_px = std::sqrt(sum / double(fit.pairs));
    if (iteration >= options.max_iterations) break;
    // A pair of weight w is expected to miss by the weighted rms x sqrt(mean w / w).
    const double scale = std::sqrt(weighted / total);
    const double mean_weight = total / double(fit.pairs);
    std::size_t kept = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double expected = scale * std::sqrt(mean_weight / (*w)[i]);
      candidate[i] = residuals[i] <= std::max(options.sigma * expected, options.floor_px);
      kept += candidate[i] ? 1 : 0;
    }
    if (candidate == fit.inlier || kept < minimum) break;
  }
  reweight(fit, reference, frame, model, *w);
  const std::vector<double> residuals = reprojection_residuals(fit.transform, reference, frame);
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i)
    if (fit.inlier[i]) sum += residuals[i] * residuals[i];
  fit.rms_px = std::sqrt(sum / double(fit.pairs));
  return fit;
}

}  // namespace astropack
