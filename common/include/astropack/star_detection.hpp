// SPDX-License-Identifier: GPL-3.0-or-later
// Finding stars in one channel: a smooth background and noise mesh, a matched
// filter, thresholding at k sigma, local maxima with simple deblending, and
// windowed sub-pixel centroids. Hot pixels and cosmic rays (one-pixel peaks)
// and stars near the edges are dropped; saturated stars are kept but flagged
// so that no PSF is fitted to their clipped cores.
#pragma once

#include <cstddef>
#include <vector>

#include "astropack/image.hpp"

namespace astropack {

// Background level and noise (sigma) per tile, read back anywhere by bilinear
// interpolation between tile centres (constant beyond the outer centres).
class BackgroundMesh {
 public:
  BackgroundMesh() = default;
  BackgroundMesh(std::size_t width, std::size_t height, std::size_t tile,
                 std::size_t columns, std::size_t rows, std::vector<float> level,
                 std::vector<float> noise);
  float level_at(double x, double y) const noexcept { return interpolate(m_level, x, y); }
  float noise_at(double x, double y) const noexcept { return interpolate(m_noise, x, y); }
  // The same values along stored row y, columns 0..width-1, a row at a time.
  void level_row(std::size_t y, float* out) const noexcept { fill_row(m_level, y, out); }
  void noise_row(std::size_t y, float* out) const noexcept { fill_row(m_noise, y, out); }
  // Median over the tiles.
  double median_level() const;
  double median_noise() const;
  std::size_t tile_size() const noexcept { return m_tile; }
  std::size_t columns() const noexcept { return m_columns; }
  std::size_t rows() const noexcept { return m_rows; }

 private:
  float interpolate(const std::vector<float>& grid, double x, double y) const noexcept;
  void fill_row(const std::vector<float>& grid, std::size_t y, float* out) const noexcept;
  std::size_t m_width = 0, m_height = 0, m_tile = 0, m_columns = 0, m_rows = 0;
  std::vector<float> m_level, m_noise;
};

struct BackgroundOptions {
  std::size_t tile_size = 64;  // pixels; tiles at the edges take the remainder
  double clip_sigma = 3.0;     // per tile: iterative clipping around the median
  int clip_iterations = 5;
};

// Sigma-clipped median and noise (1.4826 x MAD of the kept samples) of every
// tile of the first channel (clipping removes stars, hot pixels and cosmic
// rays), from at most about 2048 evenly spread samples per tile. Non-finite
// samples are ignored; a tile without data takes the median of the others.
BackgroundMesh estimate_background(ConstImageView channel, const BackgroundOptions& options = {});

struct DetectionOptions {
  double fwhm_guess = 3.0;       // px: width of the matched (Gaussian) filter
  double threshold_sigma = 5.0;  // detection threshold in sigma of the filtered image
  double saturation = 0.98;      // peaks at or above this (normalised) are saturated
  double max_sharpness = 0.8;    // peaks whose 4 neighbours average below (1 - this)
                                 // of the peak above background are one-pixel defects
  double edge_margin = -1;       // px; negative: 2 x fwhm_guess, at least 3
  double deblend_ratio = 0.7;    // two close peaks stay separate when the filtered image
                                 // between them dips below this fraction of the fainter
  double min_relative_roundness = 0.5;  // peaks less round than this fraction of the median
                                        // roundness are ridges (nebula filaments)
  std::size_t max_stars = 20000; // the brightest are kept
  BackgroundOptions background;
};

struct DetectedStar {
  double x = 0, y = 0;      // sub-pixel centroid, 0-based stored pixel coordinates
  double peak = 0;          // highest pixel above the local background (normalised units)
  double background = 0;    // local background from the mesh
  double noise = 0;         // local noise from the mesh
  double flux = 0;          // sum above background in a radius of 2 x fwhm_guess
  double significance = 0;  // filtered peak / filtered noise
  double roundness = 1;     // weaker / stronger curvature of the filtered peak
  bool saturated = false;
};

struct StarDetection {
  BackgroundMesh background;
  std::vector<DetectedStar> stars;  // brightest (flux) first
  std::size_t rejected_defects = 0; // one-pixel peaks dropped
  std::size_t rejected_edge = 0;    // peaks dropped near the edges
  std::size_t rejected_ridges = 0;  // elongated peaks dropped
};

// Stars of the first channel of the view.
StarDetection detect_stars(ConstImageView channel, const DetectionOptions& options = {});

}  // namespace astropack
