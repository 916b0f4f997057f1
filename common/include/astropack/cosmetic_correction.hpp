// SPDX-License-Identifier: GPL-3.0-or-later
// Cosmetic correction: hot and cold pixels replaced by their neighbours.
//
// Two sources of defects:
//  1. A defect map from the master dark, as Siril's preprocess builds it
//     (siril-compat.md section 4.5): with m the median and s the population
//     sigma of the dark's first channel (non-zero pixels), a pixel is hot when
//     D >= m + hot_sigma * s and cold when D <= max(0, m - cold_sigma * s).
//     A sigma of 0 switches that side off.
//  2. Per-frame detection of isolated defects in the calibrated light: a
//     pixel is a candidate when it lies beyond all its same-colour neighbours
//     (the 8 pixels at distance 1 on mono data, 2 on CFA data) and beyond
//     their median by more than detect_sigma local noise sigmas (the larger
//     of the frame's noise for that CFA colour and the neighbours' own
//     spread). A hot candidate is kept only if its 4 adjacent pixels, which
//     on CFA data are of other colours, stand out from their own
//     surroundings by less than 15 % of its excess (and less than 2 local
//     sigmas): a star lifts its adjacent pixels, a hot pixel does not.
// A defective pixel becomes the median of its same-colour neighbours that
// are not defective themselves (all of them if none is left). Pixels within
// 3 pixels of the border are not searched by the detector.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "astropack/image.hpp"

namespace astropack {

enum class DefectKind : std::uint8_t { Hot, Cold };

struct PixelDefect {
  std::uint32_t x = 0, y = 0;  // stored column and row
  DefectKind kind = DefectKind::Hot;
  std::uint8_t channel = 0;
};

struct DarkDefectParams {
  double hot_sigma = 3.0;   // Siril 1.0's automatic value; 0 = no hot pixels
  double cold_sigma = 0.0;  // off by default, as in Siril 1.0; 0 = no cold pixels
  void validate() const;
};

struct DefectMap {
  std::size_t width = 0, height = 0;
  std::vector<PixelDefect> pixels;  // in row-major order
  double median = 0.0, sigma = 0.0; // of the dark, normalised units
  std::size_t hot_count() const noexcept;
  std::size_t cold_count() const noexcept;
};

// Hot and cold pixels of a master dark (first channel). The median is exact up to
// 4 Mi pixels and taken over 4 Mi pixels at a regular stride beyond that.
DefectMap find_dark_defects(ConstImageView dark, const DarkDefectParams& params = {});

struct CosmeticParams {
  bool detect = true;          // per-frame detection of isolated defects
  double detect_hot_sigma = 6.0;
  double detect_cold_sigma = 6.0;  // 0 switches a side off
  void validate() const;
};

struct CosmeticResult {
  std::size_t hot_from_map = 0, cold_from_map = 0;  // map pixels corrected
  std::size_t hot_detected = 0, cold_detected = 0;  // found in this frame
  std::vector<PixelDefect> corrected;  // every sample replaced, by channel, then row-major
  std::size_t total() const noexcept {
    return hot_from_map + cold_from_map + hot_detected + cold_detected;
  }
};

// Corrects `image` in place. `cfa` says whether it is a one-channel Bayer
// mosaic (same-colour neighbours two pixels away); the phase does not matter.
// `map` (may be null) applies to every channel and must have the image's size.
// Rows are processed in parallel; the result does not depend on the thread count.
CosmeticResult cosmetic_correction(ImageView image, bool cfa, const DefectMap* map,
                                   const CosmeticParams& params = {});

// "cosmetic: 12 hot and 0 cold pixels from the dark, 3 hot and 1 cold found"
std::string describe(const CosmeticResult& result);

}  // namespace astropack
