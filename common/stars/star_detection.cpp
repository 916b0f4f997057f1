// SPDX-License-Identifier: GPL-3.0-or-later
// Star detection: background-subtracted pixels filtered by a Gaussian matched to
// the expected star, local maxima above k sigma of the filtered noise, close
// pairs merged unless the filtered image dips between them, one-pixel defects
// and edge stars dropped, windowed centroids.
#include <algorithm>
#include <cmath>

#include "astropack/star_detection.hpp"
#include "astropack/statistics.hpp"

namespace astropack {

namespace {

constexpr double kFwhmToSigma = 0.42466090014400953;  // 1 / (2 sqrt(2 ln 2))

std::vector<float> gaussian_kernel(double sigma) {
  const int radius = std::max(1, int(std::ceil(3.0 * sigma)));
  std::vector<float> k(std::size_t(2 * radius + 1));
  double sum = 0;
  for (int i = -radius; i <= radius; ++i) {
    const double v = std::exp(-0.5 * i * i / (sigma * sigma));
    k[std::size_t(i + radius)] = float(v);
    sum += v;
  }
  for (float& v : k) v = float(v / sum);
  return k;
}

// Separable convolution with clamped edges.
std::vector<float> smooth(const std::vector<float>& in, std::size_t width, std::size_t height,
                          const std::vector<float>& kernel) {
  const long radius = long(kernel.size() / 2);
  const long w = long(width), h = long(height);
  std::vector<float> tmp(in.size()), out(in.size());
#pragma omp parallel for schedule(static) default(none) shared(in, tmp, kernel) \
    firstprivate(w, h, radius)
  for (long y = 0; y < h; ++y) {
    const float* src = in.data() + y * w;
    float* dst = tmp.data() + y * w;
    for (long x = 0; x < w; ++x) {
      float s = 0;
      for (long i = -radius; i <= radius; ++i)
        s += kernel[std::size_t(i + radius)] * src[std::clamp(x + i, 0L, w - 1)];
      dst[x] = s;
    }
  }
#pragma omp parallel for schedule(static) default(none) shared(tmp, out, kernel) \
    firstprivate(w, h, radius)
  for (long y = 0; y < h; ++y) {
    float* dst = out.data() + y * w;
    std::fill(dst, dst + w, 0.0f);
    for (long i = -radius; i <= radius; ++i) {
      const float* src = tmp.data() + std::clamp(y + i, 0L, h - 1) * w;
      const float k = kernel[std::size_t(i + radius)];
      for (long x = 0; x < w; ++x) dst[x] += k * src[x];
    }
  }
  return out;
}

// One-pixel defects (hot pixels, cosmic-ray hits) are local maxima whose four
// neighbours carry almost none of their signal; even the sharpest star spreads
// a fair part of its peak into them. They are replaced by the mean of their
// eight neighbours before filtering, so they neither become stars nor pull
// centroids. Returns how many were replaced.
std::size_t remove_defects(std::vector<float>& sub, const std::vector<float>& noise,
                           std::size_t width, std::size_t height, double max_sharpness) {
  std::size_t removed = 0;
  const std::size_t w = width;
  for (std::size_t y = 1; y + 1 < height; ++y)
    for (std::size_t x = 1; x + 1 < width; ++x) {
      const std::size_t at = y * w + x;
      const float p = sub[at];
      if (!(p > 5 * noise[at])) continue;
      float ring_sum = 0;
      bool is_max = true;
      for (std::size_t yy = y - 1; yy <= y + 1; ++yy)
        for (std::size_t xx = x - 1; xx <= x + 1; ++xx) {
          if (yy == y && xx == x) continue;
          ring_sum += sub[yy * w + xx];
          if (sub[yy * w + xx] > p) is_max = false;
        }
      if (!is_max) continue;
      const float n[4] = {sub[at - 1], sub[at + 1], sub[at - w], sub[at + w]};
      const double mean = (double(n[0]) + n[1] + n[2] + n[3]) / 4;
      const double least = std::min(std::min(n[0], n[1]), std::min(n[2], n[3]));
      if (mean < (1 - max_sharpness) * p || (p > 10 * noise[at] && least < 0.1 * p)) {
        sub[at] = ring_sum / 8;
        ++removed;
      }
    }
  return removed;
}

struct Candidate {
  long x = 0, y = 0;
  float filtered = 0;
};

}  // namespace

StarDetection detect_stars(ConstImageView channel, const DetectionOptions& options) {
  StarDetection result;
  const std::size_t width = channel.width(), height = channel.height();
  if (width < 3 || height < 3) return result;
  result.background = estimate_background(channel, options.background);
  const BackgroundMesh& mesh = result.background;

  // Background-subtracted pixels (non-finite as background) and the local noise.
  std::vector<float> sub(width * height), noise(width * height);
#pragma omp parallel for schedule(static) default(none) shared(channel, mesh, sub, noise) \
    firstprivate(width, height)
  for (std::size_t y = 0; y < height; ++y) {
    const float* row = channel.row(0, y);
    for (std::size_t x = 0; x < width; ++x) {
      const float v = row[x];
      sub[y * width + x] = std::isfinite(v) ? v - mesh.level_at(double(x), double(y)) : 0.0f;
      noise[y * width + x] = mesh.noise_at(double(x), double(y));
    }
  }
  result.rejected_defects = remove_defects(sub, noise, width, height, options.max_sharpness);
  const double fwhm = std::max(1.0, options.fwhm_guess);
  const double sigma = fwhm * kFwhmToSigma;
  const std::vector<float> kernel = gaussian_kernel(sigma);
  double k2 = 0;  // noise of the 2-D filter = noise x sum of squares of the 1-D kernel
  for (float v : kernel) k2 += double(v) * v;
  const std::vector<float> filtered = smooth(sub, width, height, kernel);

  // Local maxima over the threshold, brightest first.
  const long w = long(width), h = long(height);
  std::vector<Candidate> candidates;
  for (long y = 1; y + 1 < h; ++y)
    for (long x = 1; x + 1 < w; ++x) {
      const std::size_t at = std::size_t(y * w + x);
      const float f = filtered[at];
      if (!(f > float(options.threshold_sigma * k2) * noise[at])) continue;
      bool is_max = true;
      for (long dy = -1; dy <= 1 && is_max; ++dy)
        for (long dx = -1; dx <= 1; ++dx) {
          if (dx == 0 && dy == 0) continue;
          const float n = filtered[std::size_t((y + dy) * w + x + dx)];
          // Ties: the first in storage order wins, so a plateau gives one peak.
          if (n > f || (n == f && (dy < 0 || (dy == 0 && dx < 0)))) {
            is_max = false;
            break;
          }
        }
      if (is_max) candidates.push_back({x, y, f});
    }
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return a.filtered > b.filtered || (a.filtered == b.filtered && (a.y < b.y ||
                                       (a.y == b.y && a.x < b.x)));
  });

  // Deblending: a peak within 2 FWHM of a brighter kept one joins it unless the
  // filtered image between them dips below deblend_ratio of the fainter.
  const double merge_distance = 2.0 * fwhm;
  const long cell = std::max(1L, long(std::ceil(merge_distance)));
  const long grid_w = (w + cell - 1) / cell, grid_h = (h + cell - 1) / cell;
  std::vector<std::vector<std::size_t>> grid(std::size_t(grid_w * grid_h));
  std::vector<Candidate> kept;
  for (const Candidate& c : candidates) {
    bool merged = false;
    const long gx = c.x / cell, gy = c.y / cell;
    for (long jy = std::max(0L, gy - 1); jy <= std::min(grid_h - 1, gy + 1) && !merged; ++jy)
      for (long jx = std::max(0L, gx - 1); jx <= std::min(grid_w - 1, gx + 1) && !merged; ++jx)
        for (std::size_t index : grid[std::size_t(jy * grid_w + jx)]) {
          const Candidate& o = kept[index];
          const double dx = double(o.x - c.x), dy = double(o.y - c.y);
          const double d = std::hypot(dx, dy);
          if (d > merge_distance) continue;
          float low = c.filtered;
          const int steps = std::max(2, int(std::ceil(d * 2)));
          for (int s = 1; s < steps; ++s) {
            const double t = double(s) / steps;
            const long px = std::lround(double(c.x) + t * dx), py = std::lround(double(c.y) + t * dy);
            low = std::min(low, filtered[std::size_t(py * w + px)]);
          }
          if (low >= float(options.deblend_ratio) * c.filtered) {
            merged = true;
            break;
          }
        }
    if (merged) continue;
    grid[std::size_t(gy * grid_w + gx)].push_back(kept.size());
    kept.push_back(c);
  }

  const double margin = options.edge_margin >= 0 ? options.edge_margin : std::max(3.0, 2 * fwhm);
  const double window_sigma2 = sigma * sigma;
  const long window = std::max(2L, long(std::ceil(3 * sigma)));
  const long flux_radius = std::max(2L, long(std::ceil(2 * fwhm)));
  for (const Candidate& c : kept) {
    // The brightest raw pixel near the filtered peak.
    long px = c.x, py = c.y;
    for (long dy = -1; dy <= 1; ++dy)
      for (long dx = -1; dx <= 1; ++dx) {
        const long x = std::clamp(c.x + dx, 0L, w - 1), y = std::clamp(c.y + dy, 0L, h - 1);
        if (sub[std::size_t(y * w + x)] > sub[std::size_t(py * w + px)]) {
          px = x;
          py = y;
        }
      }
    // Local background from an annulus: broad structure (nebulosity) that the mesh
    // follows too slowly is not a star.
    std::vector<float> ring;
    const double r1 = 2.5 * fwhm, r2 = 4.0 * fwhm;
    const long reach = long(std::ceil(r2));
    for (long y = std::max(0L, c.y - reach); y <= std::min(h - 1, c.y + reach); ++y)
      for (long x = std::max(0L, c.x - reach); x <= std::min(w - 1, c.x + reach); ++x) {
        const double r = std::hypot(double(x - c.x), double(y - c.y));
        if (r >= r1 && r <= r2) ring.push_back(sub[std::size_t(y * w + x)]);
      }
    const double offset = ring.size() >= 8 ? median_in_place(std::span<float>(ring)) : 0.0;
    const std::size_t at = std::size_t(py * w + px);
    const double local_noise = noise[at];
    const double significance = (c.filtered - offset) / (k2 * local_noise);
    if (significance < options.threshold_sigma) continue;
    const double peak = sub[at] - offset;
    // Curvatures of the filtered peak: a ridge of nebulosity is flat along its length.
    const long step = std::max(1L, std::lround(fwhm / 2));
    auto f_at = [&](long dx, long dy) {
      return double(filtered[std::size_t(std::clamp(c.y + dy, 0L, h - 1) * w +
                                         std::clamp(c.x + dx, 0L, w - 1))]);
    };
    const double fxx = f_at(step, 0) + f_at(-step, 0) - 2 * f_at(0, 0);
    const double fyy = f_at(0, step) + f_at(0, -step) - 2 * f_at(0, 0);
    const double fxy = (f_at(step, step) + f_at(-step, -step) - f_at(step, -step) -
                        f_at(-step, step)) / 4;
    const double mean_curvature = (fxx + fyy) / 2;
    const double spread = std::sqrt((fxx - fyy) * (fxx - fyy) / 4 + fxy * fxy);
    const double strong = mean_curvature - spread, weak = mean_curvature + spread;  // both < 0
    const double roundness = strong < 0 ? std::max(0.0, -weak) / -strong : 0.0;
    const double raw_peak = channel.at(0, std::size_t(py), std::size_t(px));
    bool saturated = raw_peak >= options.saturation;
    if (!saturated && raw_peak > 0.3) {
      int flat = 0;  // clipped cores are flat
      for (long dy = -1; dy <= 1; ++dy)
        for (long dx = -1; dx <= 1; ++dx) {
          if ((dx == 0 && dy == 0) || px + dx < 0 || px + dx >= w || py + dy < 0 || py + dy >= h)
            continue;
          const double v = channel.at(0, std::size_t(py + dy), std::size_t(px + dx));
          if (std::fabs(v - raw_peak) <= 0.01 * raw_peak) ++flat;
        }
      saturated = flat >= 4;
    }
    // Windowed centroid: Gaussian-weighted first moments, iterated.
    double cx = double(px), cy = double(py);
    for (int iteration = 0; iteration < 30; ++iteration) {
      double sw = 0, sx = 0, sy = 0;
      const long x0 = std::lround(cx), y0 = std::lround(cy);
      for (long y = std::max(0L, y0 - window); y <= std::min(h - 1, y0 + window); ++y)
        for (long x = std::max(0L, x0 - window); x <= std::min(w - 1, x0 + window); ++x) {
          const double dx = double(x) - cx, dy = double(y) - cy;
          const double weight = std::exp(-0.5 * (dx * dx + dy * dy) / window_sigma2) *
                                (sub[std::size_t(y * w + x)] - offset);
          sw += weight;
          sx += weight * dx;
          sy += weight * dy;
        }
      if (!(sw > 0)) break;
      const double shift_x = sx / sw, shift_y = sy / sw;
      cx += shift_x;
      cy += shift_y;
      if (std::hypot(cx - double(px), cy - double(py)) > 2.0) {  // wandered off: keep the peak
        cx = double(px);
        cy = double(py);
        break;
      }
      if (std::fabs(shift_x) + std::fabs(shift_y) < 1e-4) break;
    }
    if (cx < margin || cy < margin || cx > double(w - 1) - margin || cy > double(h - 1) - margin) {
      ++result.rejected_edge;
      continue;
    }
    double flux = 0;
    const long fx = std::lround(cx), fy = std::lround(cy);
    for (long y = std::max(0L, fy - flux_radius); y <= std::min(h - 1, fy + flux_radius); ++y)
      for (long x = std::max(0L, fx - flux_radius); x <= std::min(w - 1, fx + flux_radius); ++x)
        if ((x - fx) * (x - fx) + (y - fy) * (y - fy) <= flux_radius * flux_radius)
          flux += sub[std::size_t(y * w + x)] - offset;
    DetectedStar star;
    star.x = cx;
    star.y = cy;
    star.peak = peak;
    star.background = mesh.level_at(cx, cy) + offset;
    star.noise = local_noise;
    star.flux = flux;
    star.significance = significance;
    star.saturated = saturated;
    star.roundness = roundness;
    result.stars.push_back(star);
  }
  // Ridges: far less round than the frame's typical peak (trailed frames stay measurable).
  if (!result.stars.empty() && options.min_relative_roundness > 0) {
    std::vector<float> values;
    for (const DetectedStar& s : result.stars) values.push_back(float(s.roundness));
    const double limit = options.min_relative_roundness * median_in_place(std::span<float>(values));
    const auto end = std::remove_if(result.stars.begin(), result.stars.end(),
                                    [limit](const DetectedStar& s) { return s.roundness < limit; });
    result.rejected_ridges = std::size_t(result.stars.end() - end);
    result.stars.erase(end, result.stars.end());
  }
  std::stable_sort(result.stars.begin(), result.stars.end(),
                   [](const DetectedStar& a, const DetectedStar& b) { return a.flux > b.flux; });
  if (result.stars.size() > options.max_stars) result.stars.resize(options.max_stars);
  return result;
}

}  // namespace astropack
