// SPDX-License-Identifier: GPL-3.0-or-later
// Background and noise mesh: robust statistics per tile, read back by bilinear
// interpolation between tile centres, as source extractors do, so that
// gradients, vignetting and amplifier glow do not move the detection threshold.
#include <algorithm>
#include <cmath>

#include "astropack/star_detection.hpp"
#include "astropack/statistics.hpp"

namespace astropack {

BackgroundMesh::BackgroundMesh(std::size_t width, std::size_t height, std::size_t tile,
                               std::size_t columns, std::size_t rows, std::vector<float> level,
                               std::vector<float> noise)
    : m_width(width), m_height(height), m_tile(tile), m_columns(columns), m_rows(rows),
      m_level(std::move(level)), m_noise(std::move(noise)) {}

float BackgroundMesh::interpolate(const std::vector<float>& grid, double x,
                                  double y) const noexcept {
  if (grid.empty()) return 0.0f;
  // Tile i spans [i w / n, (i + 1) w / n): its centre in tile units is i + 0.5.
  const double u = std::clamp((x + 0.5) * double(m_columns) / double(m_width) - 0.5, 0.0,
                              double(m_columns - 1));
  const double v = std::clamp((y + 0.5) * double(m_rows) / double(m_height) - 0.5, 0.0,
                              double(m_rows - 1));
  const std::size_t i0 = std::min(std::size_t(u), m_columns - 1);
  const std::size_t j0 = std::min(std::size_t(v), m_rows - 1);
  const std::size_t i1 = std::min(i0 + 1, m_columns - 1), j1 = std::min(j0 + 1, m_rows - 1);
  const double fu = u - double(i0), fv = v - double(j0);
  const double top = grid[j0 * m_columns + i0] * (1 - fu) + grid[j0 * m_columns + i1] * fu;
  const double bottom = grid[j1 * m_columns + i0] * (1 - fu) + grid[j1 * m_columns + i1] * fu;
  return float(top * (1 - fv) + bottom * fv);
}

void BackgroundMesh::fill_row(const std::vector<float>& grid, std::size_t y,
                              float* out) const noexcept {
  if (grid.empty()) {
    std::fill(out, out + m_width, 0.0f);
    return;
  }
  // The row of the grid at y, then linear along x: as interpolate(), one row at a time.
  const double v = std::clamp((double(y) + 0.5) * double(m_rows) / double(m_height) - 0.5, 0.0,
                              double(m_rows - 1));
  const std::size_t j0 = std::min(std::size_t(v), m_rows - 1), j1 = std::min(j0 + 1, m_rows - 1);
  const double fv = v - double(j0);
  std::vector<double> column(m_columns);
  for (std::size_t i = 0; i < m_columns; ++i)
    column[i] = grid[j0 * m_columns + i] * (1 - fv) + grid[j1 * m_columns + i] * fv;
  // Between the centres of tiles i and i + 1 the value is a straight line; before the
  // first and after the last centre it is constant.
  const double step = double(m_columns) / double(m_width);
  const auto centre_x = [&](std::size_t i) { return (double(i) + 0.5) / step - 0.5; };
  const std::size_t first = std::min(m_width, std::size_t(std::max(0.0, std::ceil(centre_x(0)))));
  std::fill(out, out + first, float(column[0]));
  std::size_t x = first;
  for (std::size_t i = 0; i + 1 < m_columns; ++i) {
    const std::size_t end =
        std::min(m_width, std::size_t(std::max(0.0, std::ceil(centre_x(i + 1)))));
    const double base = column[i], slope = column[i + 1] - column[i];
    for (; x < end; ++x) out[x] = float(base + slope * ((double(x) + 0.5) * step - 0.5 - double(i)));
  }
  std::fill(out + x, out + m_width, float(column[m_columns - 1]));
}

namespace {

double grid_median(std::vector<float> values) {
  return median_in_place(std::span<float>(values));
}

struct TileEstimate {
  float level = NAN, noise = NAN;
};

TileEstimate clipped_estimate(std::vector<float>& samples, const BackgroundOptions& options) {
  TileEstimate out;
  if (samples.size() < 8) return out;
  double median = median_in_place(samples);
  double sigma = 1.4826 * mad_about(samples, median);
  for (int pass = 0; pass < options.clip_iterations && sigma > 0; ++pass) {
    const double low = median - options.clip_sigma * sigma;
    const double high = median + options.clip_sigma * sigma;
    const auto end = std::remove_if(samples.begin(), samples.end(),
                                    [&](float v) { return v < low || v > high; });
    const bool changed = end != samples.end();
    samples.erase(end, samples.end());
    if (samples.size() < 8) break;
    median = median_in_place(samples);
    sigma = 1.4826 * mad_about(samples, median);
    if (!changed) break;
  }
  out.level = float(median);
  out.noise = float(sigma);
  return out;
}

}  // namespace

double BackgroundMesh::median_level() const { return grid_median(m_level); }
double BackgroundMesh::median_noise() const { return grid_median(m_noise); }

BackgroundMesh estimate_background(ConstImageView channel, const BackgroundOptions& options) {
  const std::size_t width = channel.width(), height = channel.height();
  const std::size_t tile = std::max<std::size_t>(options.tile_size, 8);
  const std::size_t columns = std::max<std::size_t>(1, (width + tile / 2) / tile);
  const std::size_t rows = std::max<std::size_t>(1, (height + tile / 2) / tile);
  std::vector<float> level(columns * rows, NAN), noise(columns * rows, NAN);
#pragma omp parallel for schedule(dynamic) default(none) \
    shared(channel, options, level, noise) firstprivate(width, height, columns, rows)
  for (std::size_t cell = 0; cell < columns * rows; ++cell) {
    const std::size_t i = cell % columns, j = cell / columns;
    const std::size_t x0 = i * width / columns, x1 = (i + 1) * width / columns;
    const std::size_t y0 = j * height / rows, y1 = (j + 1) * height / rows;
    // A regular subsample is as good for a median and a MAD, and far quicker.
    const std::size_t stride = std::max<std::size_t>(
        1, std::size_t(std::ceil(std::sqrt(double((x1 - x0) * (y1 - y0)) / 2048.0))));
    std::vector<float> samples;
    samples.reserve((x1 - x0) * (y1 - y0) / (stride * stride) + 1);
    for (std::size_t y = y0 + stride / 2; y < y1; y += stride) {
      const float* row = channel.row(0, y);
      for (std::size_t x = x0 + stride / 2; x < x1; x += stride)
        if (std::isfinite(row[x])) samples.push_back(row[x]);
    }
    const TileEstimate e = clipped_estimate(samples, options);
    level[cell] = e.level;
    noise[cell] = e.noise;
  }
  // Tiles without data take the median of the others.
  std::vector<float> good_level, good_noise;
  for (std::size_t k = 0; k < level.size(); ++k)
    if (std::isfinite(level[k])) {
      good_level.push_back(level[k]);
      good_noise.push_back(noise[k]);
    }
  const float fill_level = good_level.empty() ? 0.0f : float(grid_median(good_level));
  const float fill_noise = good_noise.empty() ? 0.0f : float(grid_median(good_noise));
  for (std::size_t k = 0; k < level.size(); ++k)
    if (!std::isfinite(level[k])) {
      level[k] = fill_level;
      noise[k] = fill_noise;
    }
  return BackgroundMesh(width, height, tile, columns, rows, std::move(level), std::move(noise));
}

}  // namespace astropack
