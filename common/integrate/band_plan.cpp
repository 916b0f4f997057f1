// SPDX-License-Identifier: GPL-3.0-or-later
#include "astropack/band_plan.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string>

#include "astropack/error.hpp"

namespace astropack {

std::size_t band_height_for_budget(const BandPlanInput& in) {
  const std::size_t per_row = std::max<std::size_t>(1, in.width * in.channels * in.frames *
                                                          in.bytes_per_sample * in.buffers);
  const std::size_t rows = in.budget_bytes / per_row;
  return std::clamp<std::size_t>(rows, 1, std::max<std::size_t>(1, in.height));
}

std::vector<RowBand> plan_bands(const BandPlanInput& in) {
  std::vector<RowBand> bands;
  if (in.height == 0) return bands;
  const std::size_t tallest = band_height_for_budget(in);
  // Even bands: the last one is not a thin sliver.
  const std::size_t count = (in.height + tallest - 1) / tallest;
  const std::size_t base = in.height / count;
  const std::size_t extra = in.height % count;
  std::size_t row = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t rows = base + (i < extra ? 1 : 0);
    bands.push_back({row, rows});
    row += rows;
  }
  return bands;
}

std::size_t default_memory_budget() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGE_SIZE);
  constexpr std::size_t MiB = std::size_t{1} << 20;
  if (pages <= 0 || page_size <= 0) return 1024 * MiB;
  const std::size_t quarter = static_cast<std::size_t>(pages) * static_cast<std::size_t>(page_size) / 4;
  return std::clamp<std::size_t>(quarter, 256 * MiB, 4096 * MiB);
}

std::size_t parse_memory_size(std::string_view text) {
  std::string s(text);
  const char* begin = s.c_str();
  char* end = nullptr;
  const double number = std::strtod(begin, &end);
  std::string unit(end);
  for (char& ch : unit) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  double factor = 0;
  if (unit.empty() || unit == "B") factor = 1;
  else if (unit == "K" || unit == "KB" || unit == "KIB") factor = 1024.0;
  else if (unit == "M" || unit == "MB" || unit == "MIB") factor = 1024.0 * 1024;
  else if (unit == "G" || unit == "GB" || unit == "GIB") factor = 1024.0 * 1024 * 1024;
  if (end == begin || factor == 0 || !(number > 0) || !std::isfinite(number)) {
    throw Error(ErrorKind::InvalidArgument,
                "'" + s + "' is not a memory size; write it like 512M or 2G.");
  }
  return static_cast<std::size_t>(number * factor);
}

}  // namespace astropack
