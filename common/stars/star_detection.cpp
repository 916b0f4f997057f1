// SPDX-License-Identifier: GPL-3.0-or-later
// Star detection: background-subtracted pixels filtered by a Gaussian matched to
// the expected star, local maxima above k sigma of the filtered noise, close
// pairs merged unless the filtered image dips between them, one-pixel defects
// and edge stars dropped, windowed centroids.
#include <algorithm>
#include <cmath>
#include <memory>

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

// Scratch images kept per thread, so a run over many frames does not fault in fresh
// memory for every frame. Uninitialised: every element is written before it is read.
float* scratch(int which, std::size_t n) {
  thread_local std::unique_ptr<float[]> buffers[2];
  thread_local std::size_t sizes[2] = {0, 0};
  if (sizes[which] < n) {
    buffers[which].reset();
    buffers[which].reset(new float[n]);
    sizes[which] = n;
  }
  return buffers[which].get();
}

// One row through the 1-D kernel, edges clamped.
void smooth_row(const float* src, float* dst, long w, const std::vector<float>& kernel) {
  const long radius = long(kernel.size() / 2);
  for (long x = 0; x < w; ++x) {
    float s = 0;
    if (x >= radius && x + radius < w) {
      const float* p = src + x - radius;
      for (std::size_t i = 0; i < kernel.size(); ++i) s += kernel[i] * p[i];
    } else {
      for (long i = -radius; i <= radius; ++i)
        s += kernel[std::size_t(i + radius)] * src[std::clamp(x + i, 0L, w - 1)];
    }
    dst[x] = s;
  }
}

// Separable convolution with clamped edges, a band of rows per thread: each band
// keeps the horizontally filtered rows it needs in a ring of 2 r + 1 rows, so no
// second full-size image is needed. Every output is the same sum in the same
// order whatever the banding.
void smooth(const float* in, float* out, long w, long h, const std::vector<float>& kernel) {
  const long radius = long(kernel.size() / 2), ring_rows = 2 * radius + 1;
  const long band = 64, bands = (h + band - 1) / band;
#pragma omp parallel for schedule(dynamic) default(none) \
    shared(in, out, kernel) firstprivate(w, h, radius, ring_rows, band, bands)
  for (long b = 0; b < bands; ++b) {
    std::vector<float> ring(std::size_t(ring_rows * w));
    auto ring_row = [&](long y) { return ring.data() + ((y + ring_rows) % ring_rows) * w; };
    const long y0 = b * band, y1 = std::min(h, y0 + band);
    // Ring slot of source row y (clamped into the image) holds its filtered copy.
    for (long y = y0 - radius; y < y0 + radius; ++y)
      smooth_row(in + std::clamp(y, 0L, h - 1) * w, ring_row(y), w, kernel);
    for (long y = y0; y < y1; ++y) {
      smooth_row(in + std::clamp(y + radius, 0L, h - 1) * w, ring_row(y + radius), w, kernel);
      float* dst = out + y * w;
      std::fill(dst, dst + w, 0.0f);
      for (long i = -radius; i <= radius; ++i) {
        const float* src = ring_row(y + i);
        const float k = kernel[std::size_t(i + radius)];
        for (long x = 0; x < w; ++x) dst[x] += k * src[x];
      }
    }
  }
}

// One-pixel defects (hot pixels, cosmic-ray hits) are local maxima whose four
// neighbours carry almost none of their signal; even the sharpest star spreads
// a fair part of its peak into them. They are replaced by the mean of their
// eight neighbours before filtering, so they neither become stars nor pull
// centroids. Returns how many were replaced.
std::size_t remove_defects(float* sub, const BackgroundMesh& mesh, std::size_t width,
                           std::size_t height, double max_sharpness) {
  std::size_t removed = 0;
  const std::size_t w = width;
  std::vector<float> noise(width);
  for (std::size_t y = 1; y + 1 < height; ++y) {
    mesh.noise_row(y, noise.data());
    for (std::size_t x = 1; x + 1 < width; ++x) {
      const std::size_t at = y * w + x;
      const float p = sub[at];
      if (!(p > 5 * noise[x])) continue;
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
      if (mean < (1 - max_sharpness) * p || (p > 10 * noise[x] && least < 0.1 * p)) {
        sub[at] = ring_sum / 8;
        ++removed;
      }
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

  // Background-subtracted pixels (non-finite as background).
  float* const sub = scratch(0, width * height);
#pragma omp parallel for schedule(static) default(none) shared(channel, mesh) \
    firstprivate(width, height, sub)
  for (std::size_t y = 0; y < height; ++y) {
    const float* row = channel.row(0, y);
    float* out = sub + y * width;
    mesh.level_row(y, out);
    for (std::size_t x = 0; x < width; ++x)
      out[x] = std::isfinite(row[x]) ? row[x] - out[x] : 0.0f;
  }
  result.rejected_defects = remove_defects(sub, mesh, width, height, options.max_sharpness);
  const double fwhm = std::max(1.0, options.fwhm_guess);
  const double sigma = fwhm * kFwhmToSigma;
  const std::vector<float> kernel = gaussian_kernel(sigma);
  double k2 = 0;  // noise of the 2-D filter = noise x sum of squares of the 1-D kernel
  for (float v : kernel) k2 += double(v) * v;
  const long w = long(width), h = long(height);
  float* const filtered = scratch(1, width * height);
  smooth(sub, filtered, w, h, kernel);

  // Local maxima over the threshold, brightest first; rows in parallel, kept in order.
  std::vector<std::vector<Candidate>> by_row(height);
  const float threshold = float(options.threshold_sigma * k2);
#pragma omp parallel default(none) shared(mesh, by_row) firstprivate(w, h, filtered, threshold)
  {
    std::vector<float> noise(std::size_t(w), 0.0f);
#pragma omp for schedule(static)
    for (long y = 1; y < h - 1; ++y) {
      mesh.noise_row(std::size_t(y), noise.data());
      for (long x = 1; x + 1 < w; ++x) {
        const float f = filtered[y * w + x];
        if (!(f > threshold * noise[std::size_t(x)])) continue;
        bool is_max = true;
        for (long dy = -1; dy <= 1 && is_max; ++dy)
          for (long dx = -1; dx <= 1; ++dx) {
            if (dx == 0 && dy == 0) continue;
            const float n = filtered[(y + dy) * w + x + dx];
            // Ties: the first in storage order wins, so a plateau gives one peak.
            if (n > f || (n == f && (dy < 0 || (dy == 0 && dx < 0)))) {
              is_max = false;
              break;
            }
          }
        if (is_max) by_row[std::size_t(y)].push_back({x, y, f});
      }
    }
  }
  std::vector<Candidate> candidates;
  for (const std::vector<Candidate>& row : by_row)
    candidates.insert(candidates.end(), row.begin(), row.end());
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
  struct Outcome {
    enum { Star, Faint, Edge } kind = Faint;
    DetectedStar star;
  };
  auto examine = [&](const Candidate& c, std::vector<float>& ring,
                     std::vector<double>& gx, std::vector<double>& gy) -> Outcome {
    Outcome outcome;
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
    ring.clear();
    const double r1 = 2.5 * fwhm, r2 = 4.0 * fwhm;
    const long reach = long(std::ceil(r2));
    for (long y = std::max(0L, c.y - reach); y <= std::min(h - 1, c.y + reach); ++y)
      for (long x = std::max(0L, c.x - reach); x <= std::min(w - 1, c.x + reach); ++x) {
        // Every other pixel, as on a chessboard, is plenty for a median.
        if ((x + y) % 2) continue;
        const double r2_xy = double((x - c.x) * (x - c.x) + (y - c.y) * (y - c.y));
        if (r2_xy >= r1 * r1 && r2_xy <= r2 * r2) ring.push_back(sub[std::size_t(y * w + x)]);
      }
    const double offset = ring.size() >= 8 ? median_in_place(std::span<float>(ring)) : 0.0;
    const std::size_t at = std::size_t(py * w + px);
    const double local_noise = mesh.noise_at(double(px), double(py));
    const double significance = (c.filtered - offset) / (k2 * local_noise);
    if (significance < options.threshold_sigma) return outcome;
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
    // Windowed centroid: Gaussian-weighted first moments, iterated. The window is
    // separable, so its weights are two short lists of exponentials.
    double cx = double(px), cy = double(py);
    for (int iteration = 0; iteration < 30; ++iteration) {
      double sw = 0, sx = 0, sy = 0;
      const long x0 = std::lround(cx), y0 = std::lround(cy);
      const long xa = std::max(0L, x0 - window), xb = std::min(w - 1, x0 + window);
      const long ya = std::max(0L, y0 - window), yb = std::min(h - 1, y0 + window);
      gx.resize(std::size_t(xb - xa + 1));
      gy.resize(std::size_t(yb - ya + 1));
      for (long x = xa; x <= xb; ++x)
        gx[std::size_t(x - xa)] = std::exp(-0.5 * std::pow(double(x) - cx, 2) / window_sigma2);
      for (long y = ya; y <= yb; ++y)
        gy[std::size_t(y - ya)] = std::exp(-0.5 * std::pow(double(y) - cy, 2) / window_sigma2);
      for (long y = ya; y <= yb; ++y)
        for (long x = xa; x <= xb; ++x) {
          const double weight = gx[std::size_t(x - xa)] * gy[std::size_t(y - ya)] *
                                (sub[std::size_t(y * w + x)] - offset);
          sw += weight;
          sx += weight * (double(x) - cx);
          sy += weight * (double(y) - cy);
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
      outcome.kind = Outcome::Edge;
      return outcome;
    }
    double flux = 0;
    const long fx = std::lround(cx), fy = std::lround(cy);
    for (long y = std::max(0L, fy - flux_radius); y <= std::min(h - 1, fy + flux_radius); ++y)
      for (long x = std::max(0L, fx - flux_radius); x <= std::min(w - 1, fx + flux_radius); ++x)
        if ((x - fx) * (x - fx) + (y - fy) * (y - fy) <= flux_radius * flux_radius)
          flux += sub[std::size_t(y * w + x)] - offset;
    DetectedStar& star = outcome.star;
    star.x = cx;
    star.y = cy;
    star.peak = peak;
    star.background = mesh.level_at(cx, cy) + offset;
    star.noise = local_noise;
    star.flux = flux;
    star.significance = significance;
    star.saturated = saturated;
    star.roundness = roundness;
    outcome.kind = Outcome::Star;
    return outcome;
  };
  // Candidates in parallel, results gathered in their order.
  std::vector<Outcome> outcomes(kept.size());
  const long kept_count = long(kept.size());
#pragma omp parallel default(none) shared(kept, outcomes, examine) firstprivate(kept_count)
  {
    std::vector<float> ring;
    std::vector<double> gx, gy;
#pragma omp for schedule(dynamic, 32)
    for (long i = 0; i < kept_count; ++i)
      outcomes[std::size_t(i)] = examine(kept[std::size_t(i)], ring, gx, gy);
  }
  for (const Outcome& o : outcomes) {
    if (o.kind == Outcome::Edge) ++result.rejected_edge;
    if (o.kind == Outcome::Star) result.stars.push_back(o.star);
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
