// SPDX-License-Identifier: GPL-3.0-or-later
// Integration streams row bands from every frame at once, so memory is
// O(frames x band) and never O(frames x image). The plan is a pure function
// of the geometry and the budget: the same inputs always give the same bands.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace astropack {

struct RowBand {
  std::size_t first_row = 0;
  std::size_t rows = 0;
};

struct BandPlanInput {
  std::size_t width = 0;
  std::size_t height = 0;
  std::size_t channels = 1;
  std::size_t frames = 0;
  std::size_t budget_bytes = 0;        // memory the band buffers may use
  std::size_t bytes_per_sample = 4;    // float samples
  std::size_t buffers = 2;             // one band being read while another is combined
};

// Bands that cover rows 0..height-1 exactly once, in order, each at most as
// tall as the budget allows (at least one row, whatever the budget).
std::vector<RowBand> plan_bands(const BandPlanInput& input);

// Rows per band that fit the budget (>= 1).
std::size_t band_height_for_budget(const BandPlanInput& input);

// A default budget: a quarter of physical memory, between 256 MiB and 4 GiB.
std::size_t default_memory_budget();

// Parses "512M", "2G", "1.5GB", "800MiB" or a plain byte count; throws Error(InvalidArgument).
std::size_t parse_memory_size(const std::string_view text);

}  // namespace astropack
