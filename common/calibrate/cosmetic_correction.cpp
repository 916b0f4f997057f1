// SPDX-License-Identifier: GPL-3.0-or-later
// Cosmetic correction; the rules are in cosmetic_correction.hpp.
#include "astropack/cosmetic_correction.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "astropack/error.hpp"
#include "astropack/statistics.hpp"
#include "calibration_support.hpp"

namespace astropack {

namespace {

using calibrate_detail::for_each_row;
using calibrate_detail::geometry_text;
using calibrate_detail::number_text;

enum Flag : std::uint8_t { kClean = 0, kMapHot, kMapCold, kFoundHot, kFoundCold };

constexpr int kMargin = 3;            // the adjacency test reaches 3 pixels out
constexpr std::size_t kExactMedianPixels = std::size_t{1} << 22;
constexpr double kStarFraction = 0.15;  // adjacent lift, as a fraction of the excess
constexpr double kStarSigmas = 2.0;     // adjacent lift, in local sigmas

void require_sigma(double value, const char* what) {
  if (value == 0.0 || (value >= 1.0 && value <= 100.0)) return;
  std::string sentence(what);
  sentence.append(" must be 0 (off) or between 1 and 100; got ").append(number_text(value));
  sentence.append(".");
  throw Error(ErrorKind::InvalidArgument, sentence);
}

// Median of the first n values (reorders them). n > 0.
float median_of(float* values, std::size_t n) {
  std::sort(values, values + n);
  return n % 2 ? values[n / 2] : 0.5f * (values[n / 2 - 1] + values[n / 2]);
}

// Frame noise per CFA colour class (row % step, column % step): 1.4826 MAD of the
// differences between same-colour horizontal neighbours, / sqrt(2). Flagged and
// non-finite samples are skipped; about a million differences per class at most.
std::array<double, 4> class_noise(ConstImageView plane, std::size_t step,
                                  const std::uint8_t* flags) {
  std::array<double, 4> noise{0, 0, 0, 0};
  const std::size_t w = plane.width(), h = plane.height();
  const std::size_t per_class = plane.pixel_count() / (step * step) + 1;
  const std::size_t row_skip = std::max<std::size_t>(1, per_class / (1u << 20));
  for (std::size_t cy = 0; cy < step; ++cy)
    for (std::size_t cx = 0; cx < step; ++cx) {
      std::vector<float> d;
      for (std::size_t y = cy; y < h; y += step * row_skip) {
        const float* row = plane.row(0, y);
        const std::uint8_t* f = flags + y * w;
        for (std::size_t x = cx; x + step < w; x += step) {
          if (f[x] != kClean || f[x + step] != kClean) continue;
          const float a = row[x], b = row[x + step];
          if (std::isfinite(a) && std::isfinite(b)) d.push_back(a - b);
        }
      }
      if (d.size() < 16) continue;
      const double centre = median_in_place(d);
      noise[cy * 2 + cx] = 1.4826 * mad_about(d, centre) / std::sqrt(2.0);
    }
  return noise;
}

// Up to 8 same-colour neighbours at distance `step` that are finite and, when
// `skip_flagged`, not flagged. Returns how many were written to `out`.
std::size_t ring(ConstImageView plane, const std::uint8_t* flags, std::size_t y, std::size_t x,
                 std::size_t step, bool skip_flagged, float* out) {
  const long w = static_cast<long>(plane.width()), h = static_cast<long>(plane.height());
  const long s = static_cast<long>(step);
  std::size_t n = 0;
  for (long dy = -s; dy <= s; dy += s)
    for (long dx = -s; dx <= s; dx += s) {
      if (dy == 0 && dx == 0) continue;
      const long yy = static_cast<long>(y) + dy, xx = static_cast<long>(x) + dx;
      if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
      if (skip_flagged && flags[yy * w + xx] != kClean) continue;
      const float v = plane.at(0, static_cast<std::size_t>(yy), static_cast<std::size_t>(xx));
      if (std::isfinite(v)) out[n++] = v;
    }
  return n;
}

// Mean lift of the 4 adjacent pixels over their own surroundings: for the
// neighbour q in direction d, q - median(q + 2d, q + 2p, q - 2p) with p = d turned
// a quarter. These three are q's colour on any Bayer pattern.
double adjacent_lift(ConstImageView plane, std::size_t y, std::size_t x) {
  static constexpr int dirs[4][2] = {{0, 1}, {0, -1}, {1, 0}, {-1, 0}};
  double sum = 0;
  for (const auto& d : dirs) {
    const long qy = static_cast<long>(y) + d[0], qx = static_cast<long>(x) + d[1];
    const long py = d[1], px = d[0];  // perpendicular
    float around[3] = {plane.at(0, qy + 2 * d[0], qx + 2 * d[1]),
                       plane.at(0, qy + 2 * py, qx + 2 * px),
                       plane.at(0, qy - 2 * py, qx - 2 * px)};
    std::sort(around, around + 3);
    sum += double(plane.at(0, qy, qx)) - double(around[1]);
  }
  return sum / 4.0;
}

void detect(ConstImageView plane, std::size_t step, std::uint8_t* flags,
            const CosmeticParams& params) {
  const std::size_t w = plane.width(), h = plane.height();
  if (w <= 2 * kMargin || h <= 2 * kMargin) return;
  const std::array<double, 4> noise = class_noise(plane, step, flags);
  std::vector<std::vector<std::pair<std::size_t, std::uint8_t>>> found(h);
  for_each_row(h, plane.pixel_count(), [&](std::size_t y) {
    if (y < kMargin || y >= h - kMargin) return;
    const float* row = plane.row(0, y);
    const float* above_row = plane.row(0, y - step);
    const float* below_row = plane.row(0, y + step);
    const std::uint8_t* f = flags + y * w;
    const double class_sigma[2] = {noise[(y % step) * 2], noise[(y % step) * 2 + (step - 1)]};
    float r[8], dev[8];
    for (std::size_t x = kMargin; x < w - kMargin; ++x) {
      if (f[x] != kClean) continue;
      const float v = row[x];
      if (!std::isfinite(v)) continue;
      // Quick rejection of the great majority: the full tests below need the pixel
      // beyond the median of its ring by k sigma, and that median lies between the
      // lowest and highest of all eight neighbours.
      float lowest = v, highest = v;
      for (const float* n3 : {above_row, row, below_row})
        for (std::size_t xx : {x - step, x, x + step}) {
          const float q = n3[xx];
          lowest = q < lowest ? q : lowest;
          highest = q > highest ? q : highest;
        }
      const double floor = class_sigma[x % step];
      if (!(double(v) - lowest > params.detect_hot_sigma * floor && params.detect_hot_sigma > 0) &&
          !(highest - double(v) > params.detect_cold_sigma * floor && params.detect_cold_sigma > 0))
        continue;
      const std::size_t n = ring(plane, flags, y, x, step, true, r);
      if (n < 5) continue;
      const float hi = *std::max_element(r, r + n), lo = *std::min_element(r, r + n);
      const bool above = v > hi && params.detect_hot_sigma > 0;
      const bool below = v < lo && params.detect_cold_sigma > 0;
      if (!above && !below) continue;
      const double m = median_of(r, n);
      for (std::size_t i = 0; i < n; ++i) dev[i] = std::fabs(r[i] - static_cast<float>(m));
      const double spread = 1.4826 * median_of(dev, n);
      const double sigma = std::max(noise[(y % step) * 2 + x % step], spread);
      if (!(sigma > 0)) continue;
      if (above) {
        const double excess = v - m;
        if (excess <= params.detect_hot_sigma * sigma) continue;
        const double lift = adjacent_lift(plane, y, x);
        if (!(lift < kStarFraction * excess && lift < kStarSigmas * sigma)) continue;
        found[y].push_back({x, kFoundHot});
      } else {
        if (m - v <= params.detect_cold_sigma * sigma) continue;
        found[y].push_back({x, kFoundCold});
      }
    }
  });
  for (std::size_t y = 0; y < h; ++y)
    for (const auto& [x, flag] : found[y]) flags[y * w + x] = flag;
}

}  // namespace

void DarkDefectParams::validate() const {
  require_sigma(hot_sigma, "the hot-pixel sigma");
  require_sigma(cold_sigma, "the cold-pixel sigma");
}

void CosmeticParams::validate() const {
  require_sigma(detect_hot_sigma, "the hot-pixel detection sigma");
  require_sigma(detect_cold_sigma, "the cold-pixel detection sigma");
}

std::size_t DefectMap::hot_count() const noexcept {
  return static_cast<std::size_t>(std::count_if(
      pixels.begin(), pixels.end(), [](const PixelDefect& p) { return p.kind == DefectKind::Hot; }));
}

std::size_t DefectMap::cold_count() const noexcept { return pixels.size() - hot_count(); }

DefectMap find_dark_defects(ConstImageView dark, const DarkDefectParams& params) {
  params.validate();
  DefectMap map;
  map.width = dark.width();
  map.height = dark.height();
  if (dark.empty()) return map;
  const std::size_t w = dark.width(), h = dark.height();
  auto accepted = [](float v) { return v != 0.0f && std::isfinite(v); };
  // Mean and population sigma of the non-zero pixels: per-row sums in double, added in
  // row order, so the result does not depend on the thread count.
  std::vector<double> row_sum(h, 0.0), row_count(h, 0.0);
  for_each_row(h, w * h, [&](std::size_t y) {
    const float* row = dark.row(0, y);
    double sum = 0, count = 0;
    for (std::size_t x = 0; x < w; ++x)
      if (accepted(row[x])) {
        sum += row[x];
        count += 1;
      }
    row_sum[y] = sum;
    row_count[y] = count;
  });
  double total = 0, n = 0;
  for (std::size_t y = 0; y < h; ++y) total += row_sum[y], n += row_count[y];
  if (n == 0) return map;
  const double mean = total / n;
  for_each_row(h, w * h, [&](std::size_t y) {
    const float* row = dark.row(0, y);
    double sum = 0;
    for (std::size_t x = 0; x < w; ++x)
      if (accepted(row[x])) sum += (row[x] - mean) * (row[x] - mean);
    row_sum[y] = sum;
  });
  double squares = 0;
  for (double v : row_sum) squares += v;
  map.sigma = std::sqrt(squares / n);
  // The median of every pixel up to kExactMedianPixels, beyond that of that many
  // taken at a regular stride (ample for a threshold; a 24 MP dark is 6 times as many).
  const std::size_t stride =
      static_cast<std::size_t>(std::ceil(n / double(kExactMedianPixels)));
  std::vector<float> values;
  values.reserve(static_cast<std::size_t>(n) / stride + 1);
  std::size_t index = 0;
  for (std::size_t y = 0; y < h; ++y) {
    const float* row = dark.row(0, y);
    for (std::size_t x = 0; x < w; ++x)
      if (accepted(row[x]) && index++ % stride == 0) values.push_back(row[x]);
  }
  map.median = median_in_place(values);
  const double hot = std::min(1.0, map.median + params.hot_sigma * map.sigma);
  const double cold = std::max(0.0, map.median - params.cold_sigma * map.sigma);
  std::vector<std::vector<PixelDefect>> found(h);
  for_each_row(h, w * h, [&](std::size_t y) {
    const float* row = dark.row(0, y);
    for (std::size_t x = 0; x < w; ++x) {
      const float v = row[x];
      if (!std::isfinite(v)) continue;
      const auto px = static_cast<std::uint32_t>(x), py = static_cast<std::uint32_t>(y);
      if (params.hot_sigma > 0 && v >= hot) {
        found[y].push_back({px, py, DefectKind::Hot, 0});
      } else if (params.cold_sigma > 0 && v <= cold) {
        found[y].push_back({px, py, DefectKind::Cold, 0});
      }
    }
  });
  for (const auto& row : found) map.pixels.insert(map.pixels.end(), row.begin(), row.end());
  return map;
}

CosmeticResult cosmetic_correction(ImageView image, bool cfa, const DefectMap* map,
                                   const CosmeticParams& params) {
  params.validate();
  CosmeticResult result;
  if (image.empty()) return result;
  if (cfa && image.channels() != 1)
    throw Error(ErrorKind::InvalidArgument,
                "CFA cosmetic correction needs a one-channel mosaic; this image has " +
                    std::to_string(image.channels()) + " channels.");
  const std::size_t w = image.width(), h = image.height();
  if (map && (map->width != w || map->height != h)) {
    std::string sentence = "the defect map of the master dark is ";
    sentence.append(std::to_string(map->width)).append(" x ").append(std::to_string(map->height));
    sentence.append(" but the image is ").append(geometry_text(w, h, image.channels()));
    sentence.append("; use a dark from the same camera, binning and crop.");
    throw Error(ErrorKind::InvalidArgument, sentence);
  }
  const std::size_t step = cfa ? 2 : 1;
  // Kept from call to call: a run corrects hundreds of frames of one size, and a
  // fresh buffer each time costs its page faults. A reference, so that the worker
  // threads below use this thread's buffer, not their own.
  thread_local std::vector<std::uint8_t> kept_flags;
  std::vector<std::uint8_t>& flags = kept_flags;
  for (std::size_t c = 0; c < image.channels(); ++c) {
    flags.assign(w * h, kClean);
    if (map)
      for (const PixelDefect& d : map->pixels)
        flags[std::size_t(d.y) * w + d.x] = d.kind == DefectKind::Hot ? kMapHot : kMapCold;
    const ImageView plane = image.plane(c);
    if (params.detect) detect(plane, step, flags.data(), params);

    // Replacement values from the uncorrected plane, then written all at once.
    std::vector<std::vector<std::pair<std::size_t, float>>> fixes(h);
    for_each_row(h, w * h, [&](std::size_t y) {
      const std::uint8_t* f = flags.data() + y * w;
      float r[8];
      for (std::size_t x = 0; x < w; ++x) {
        if (f[x] == kClean) continue;
        std::size_t n = ring(plane, flags.data(), y, x, step, true, r);
        if (n == 0) n = ring(plane, flags.data(), y, x, step, false, r);
        if (n == 0) continue;
        fixes[y].push_back({x, median_of(r, n)});
      }
    });
    for (std::size_t y = 0; y < h; ++y)
      for (const auto& [x, value] : fixes[y]) {
        plane.at(0, y, x) = value;
        const std::uint8_t flag = flags[y * w + x];
        const DefectKind kind = flag == kMapHot || flag == kFoundHot ? DefectKind::Hot : DefectKind::Cold;
        switch (flag) {
          case kMapHot: ++result.hot_from_map; break;
          case kMapCold: ++result.cold_from_map; break;
          case kFoundHot: ++result.hot_detected; break;
          default: ++result.cold_detected; break;
        }
        result.corrected.push_back({static_cast<std::uint32_t>(x), static_cast<std::uint32_t>(y),
                                    kind, static_cast<std::uint8_t>(c)});
      }
  }
  return result;
}

std::string describe(const CosmeticResult& r) {
  std::string text = "cosmetic: ";
  text.append(std::to_string(r.hot_from_map)).append(" hot and ");
  text.append(std::to_string(r.cold_from_map)).append(" cold pixels from the dark, ");
  text.append(std::to_string(r.hot_detected)).append(" hot and ");
  text.append(std::to_string(r.cold_detected)).append(" cold found");
  return text;
}

}  // namespace astropack
