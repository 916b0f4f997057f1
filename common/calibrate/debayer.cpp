// SPDX-License-Identifier: GPL-3.0-or-later
// Bilinear and RCD demosaicing; the methods are described in debayer.hpp.
// RCD follows the algorithm description of its author (README of
// LuisSR/RCD-Demosaicing, release 2.2): directional discrimination, low-pass
// filter, ratio-corrected green, colour-difference red and blue.
#include "astropack/debayer.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "astropack/error.hpp"
#include "calibration_support.hpp"

namespace astropack {

namespace {

using calibrate_detail::for_each_row;

constexpr float kEps = 1e-5f;
constexpr float kEpsSq = 1e-10f;
constexpr std::size_t kRcdBorder = 5;

// Colour index (0 R, 1 G, 2 B) of the 2x2 cell positions, (row % 2) * 2 + column % 2.
std::array<int, 4> cell_colours(CfaPattern origin) {
  std::array<int, 4> cells{};
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 2; ++c) cells[r * 2 + c] = static_cast<int>(cfa_color(origin, r, c));
  return cells;
}

// Bilinear value of every colour at every pixel of rows [y0, y1) into out (3 planes).
void bilinear_rows(ConstImageView m, const std::array<int, 4>& cells, Image& out, std::size_t y0,
                   std::size_t y1, bool border_only) {
  const std::size_t w = m.width(), h = m.height();
  for_each_row(y1 - y0, (y1 - y0) * w, [&](std::size_t r) {
    const std::size_t y = y0 + r;
    const bool full_row = !border_only || y < kRcdBorder || y + kRcdBorder >= h;
    for (std::size_t x = 0; x < w; ++x) {
      if (!full_row && x == kRcdBorder) x = w - kRcdBorder;  // skip the RCD interior
      if (x >= w) break;
      float sum[3] = {0, 0, 0};
      int count[3] = {0, 0, 0};
      const std::size_t ya = y > 0 ? y - 1 : 0, yb = std::min(y + 1, h - 1);
      const std::size_t xa = x > 0 ? x - 1 : 0, xb = std::min(x + 1, w - 1);
      for (std::size_t yy = ya; yy <= yb; ++yy) {
        const float* row = m.row(0, yy);
        for (std::size_t xx = xa; xx <= xb; ++xx) {
          const int c = cells[(yy % 2) * 2 + xx % 2];
          sum[c] += row[xx];
          ++count[c];
        }
      }
      const int own = cells[(y % 2) * 2 + x % 2];
      for (int c = 0; c < 3; ++c) {
        float value = c == own ? m.at(0, y, x) : (count[c] ? sum[c] / static_cast<float>(count[c]) : 0.0f);
        out.at(static_cast<std::size_t>(c), y, x) = value;
      }
    }
  });
}

// The constant that makes the mosaic's low end positive for the ratios (0 if it is).
float positivity_offset(ConstImageView m) {
  std::vector<float> sample;
  const std::size_t total = m.pixel_count();
  const std::size_t stride = std::max<std::size_t>(1, total / 200000);
  for (std::size_t i = 0; i < total; i += stride) {
    const float v = m.at(0, i / m.width(), i % m.width());
    if (std::isfinite(v)) sample.push_back(v);
  }
  if (sample.empty()) return 0.0f;
  auto low = sample.begin() + static_cast<std::ptrdiff_t>(sample.size() / 1000);
  std::nth_element(sample.begin(), low, sample.end());
  const float floor = 1e-3f;
  return *low < floor ? floor - *low : 0.0f;
}

// Square of the colour-blind high-pass filter along a line through index i with
// step s: c[-3] - c[-1] - c[+1] + c[+3] - 3 (c[-2] + c[+2]) + 6 c[0].
inline float hpf_squared(const float* c, std::ptrdiff_t i, std::ptrdiff_t s) {
  const float v = (c[i - 3 * s] - c[i - s] - c[i + s] + c[i + 3 * s]) -
                  3.0f * (c[i - 2 * s] + c[i + 2 * s]) + 6.0f * c[i];
  return v * v;
}

// Discrimination in [0, 1] between the directions s1 and s2 at every pixel of
// [4, h-4) x [4, w-4): stat1 / (stat1 + stat2), stat = sum of the squared
// high-pass over three positions along the direction. Other pixels get 0.5.
void discrimination(const std::vector<float>& c, std::size_t w, std::size_t h, std::ptrdiff_t s1,
                    std::ptrdiff_t s2, std::vector<float>& sq1, std::vector<float>& sq2,
                    std::vector<float>& dir) {
  std::fill(dir.begin(), dir.end(), 0.5f);
  for_each_row(h, w * h, [&](std::size_t y) {
    if (y < 3 || y + 3 >= h) return;
    for (std::size_t x = 3; x + 3 < w; ++x) {
      const auto i = static_cast<std::ptrdiff_t>(y * w + x);
      sq1[static_cast<std::size_t>(i)] = hpf_squared(c.data(), i, s1);
      sq2[static_cast<std::size_t>(i)] = hpf_squared(c.data(), i, s2);
    }
  });
  for_each_row(h, w * h, [&](std::size_t y) {
    if (y < 4 || y + 4 >= h) return;
    for (std::size_t x = 4; x + 4 < w; ++x) {
      const auto i = static_cast<std::ptrdiff_t>(y * w + x);
      const float* a = sq1.data();
      const float* b = sq2.data();
      const float stat1 = kEpsSq + a[i - s1] + a[i] + a[i + s1];
      const float stat2 = kEpsSq + b[i - s2] + b[i] + b[i + s2];
      dir[static_cast<std::size_t>(i)] = stat1 / (stat1 + stat2);
    }
  });
}

// Keeps the central value or the mean of the four diagonal neighbours,
// whichever is further from 0.5 (the more decided).
void refine(const std::vector<float>& dir, std::size_t w, std::size_t h, std::vector<float>& out) {
  std::copy(dir.begin(), dir.end(), out.begin());
  for_each_row(h, w * h, [&](std::size_t y) {
    if (y < kRcdBorder || y + kRcdBorder >= h) return;
    for (std::size_t x = kRcdBorder; x + kRcdBorder < w; ++x) {
      const std::size_t i = y * w + x;
      const float central = dir[i];
      const float around = 0.25f * (dir[i - w - 1] + dir[i - w + 1] + dir[i + w - 1] + dir[i + w + 1]);
      out[i] = std::fabs(0.5f - central) < std::fabs(0.5f - around) ? around : central;
    }
  });
}

// Ratio of the low-pass values at the site and two pixels away, kept in [-1, 1].
inline float ratio(float here, float there) {
  const float r = (here - there) / (kEps + here + there);
  return std::clamp(r, -1.0f, 1.0f);
}

void rcd_interior(ConstImageView m, const std::array<int, 4>& cells, float offset, Image& out) {
  const std::size_t w = m.width(), h = m.height();
  const std::size_t n = w * h;
  std::vector<float> cfa(n);
  for_each_row(h, n, [&](std::size_t y) {
    const float* row = m.row(0, y);
    for (std::size_t x = 0; x < w; ++x) cfa[y * w + x] = row[x] + offset;
  });
  // The bilinear planes, lifted by the same offset, hold the border and serve as
  // neighbours where the interior formulas reach into it.
  std::array<float*, 3> rgb = {out.plane(0), out.plane(1), out.plane(2)};
  for (float* plane : rgb)
    for (std::size_t i = 0; i < n; ++i) plane[i] += offset;

  const auto sw = static_cast<std::ptrdiff_t>(w);
  std::vector<float> sq1(n, 0.0f), sq2(n, 0.0f), vh_dir(n), pq_dir(n);
  discrimination(cfa, w, h, sw, 1, sq1, sq2, vh_dir);           // vertical / horizontal
  discrimination(cfa, w, h, sw + 1, sw - 1, sq1, sq2, pq_dir);  // P (NW-SE) / Q (NE-SW)
  std::vector<float>& vh = sq1;
  std::vector<float>& pq = sq2;
  refine(vh_dir, w, h, vh);
  refine(pq_dir, w, h, pq);
  // Low-pass filter 1 2 1 / 2 4 2 / 1 2 1, over 16.
  std::vector<float>& lpf = vh_dir;
  for_each_row(h, n, [&](std::size_t y) {
    if (y < 1 || y + 1 >= h) return;
    for (std::size_t x = 1; x + 1 < w; ++x) {
      const std::size_t i = y * w + x;
      lpf[i] = 0.25f * cfa[i] + 0.125f * (cfa[i - w] + cfa[i + w] + cfa[i - 1] + cfa[i + 1]) +
               0.0625f * (cfa[i - w - 1] + cfa[i - w + 1] + cfa[i + w - 1] + cfa[i + w + 1]);
    }
  });

  auto colour = [&](std::size_t y, std::size_t x) { return cells[(y % 2) * 2 + x % 2]; };
  const std::size_t b = kRcdBorder;
  float* green = rgb[1];

  // Green at red and blue sites.
  for_each_row(h, n, [&](std::size_t y) {
    if (y < b || y + b >= h) return;
    for (std::size_t x = b; x + b < w; ++x) {
      if (colour(y, x) == 1) {
        green[y * w + x] = cfa[y * w + x];
        continue;
      }
      const std::size_t i = y * w + x;
      const float* c = cfa.data();
      const std::size_t w2 = 2 * w, w3 = 3 * w, w4 = 4 * w;
      const float grad_n = kEps + std::fabs(c[i - w] - c[i + w]) + std::fabs(c[i] - c[i - w2]) +
                           std::fabs(c[i - w] - c[i - w3]) + std::fabs(c[i - w2] - c[i - w4]);
      const float grad_s = kEps + std::fabs(c[i + w] - c[i - w]) + std::fabs(c[i] - c[i + w2]) +
                           std::fabs(c[i + w] - c[i + w3]) + std::fabs(c[i + w2] - c[i + w4]);
      const float grad_w = kEps + std::fabs(c[i - 1] - c[i + 1]) + std::fabs(c[i] - c[i - 2]) +
                           std::fabs(c[i - 1] - c[i - 3]) + std::fabs(c[i - 2] - c[i - 4]);
      const float grad_e = kEps + std::fabs(c[i + 1] - c[i - 1]) + std::fabs(c[i] - c[i + 2]) +
                           std::fabs(c[i + 1] - c[i + 3]) + std::fabs(c[i + 2] - c[i + 4]);
      const float est_n = c[i - w] * (1.0f + ratio(lpf[i], lpf[i - w2]));
      const float est_s = c[i + w] * (1.0f + ratio(lpf[i], lpf[i + w2]));
      const float est_w = c[i - 1] * (1.0f + ratio(lpf[i], lpf[i - 2]));
      const float est_e = c[i + 1] * (1.0f + ratio(lpf[i], lpf[i + 2]));
      const float vertical = (grad_s * est_n + grad_n * est_s) / (grad_n + grad_s);
      const float horizontal = (grad_e * est_w + grad_w * est_e) / (grad_e + grad_w);
      green[i] = vh[i] * horizontal + (1.0f - vh[i]) * vertical;
    }
  });

  // The known samples of red and blue.
  for_each_row(h, n, [&](std::size_t y) {
    if (y < b || y + b >= h) return;
    for (std::size_t x = b; x + b < w; ++x) {
      const int own = colour(y, x);
      if (own != 1) rgb[static_cast<std::size_t>(own)][y * w + x] = cfa[y * w + x];
    }
  });

  // Red at blue sites and blue at red sites, from diagonal colour differences.
  for_each_row(h, n, [&](std::size_t y) {
    if (y < b || y + b >= h) return;
    for (std::size_t x = b; x + b < w; ++x) {
      const int own = colour(y, x);
      if (own == 1) continue;
      float* p = rgb[static_cast<std::size_t>(2 - own)];
      const std::size_t i = y * w + x;
      const std::size_t nw = i - w - 1, ne = i - w + 1, sw_ = i + w - 1, se = i + w + 1;
      const float grad_nw = kEps + std::fabs(p[nw] - p[se]) + std::fabs(p[nw] - p[i - 3 * w - 3]) +
                            std::fabs(green[i] - green[i - 2 * w - 2]);
      const float grad_ne = kEps + std::fabs(p[ne] - p[sw_]) + std::fabs(p[ne] - p[i - 3 * w + 3]) +
                            std::fabs(green[i] - green[i - 2 * w + 2]);
      const float grad_sw = kEps + std::fabs(p[sw_] - p[ne]) + std::fabs(p[sw_] - p[i + 3 * w - 3]) +
                            std::fabs(green[i] - green[i + 2 * w - 2]);
      const float grad_se = kEps + std::fabs(p[se] - p[nw]) + std::fabs(p[se] - p[i + 3 * w + 3]) +
                            std::fabs(green[i] - green[i + 2 * w + 2]);
      const float est_nw = p[nw] - green[nw], est_ne = p[ne] - green[ne];
      const float est_sw = p[sw_] - green[sw_], est_se = p[se] - green[se];
      const float est_p = (grad_nw * est_se + grad_se * est_nw) / (grad_nw + grad_se);
      const float est_q = (grad_ne * est_sw + grad_sw * est_ne) / (grad_ne + grad_sw);
      p[i] = green[i] + (1.0f - pq[i]) * est_p + pq[i] * est_q;
    }
  });

  // Red and blue at green sites, from cardinal colour differences.
  for_each_row(h, n, [&](std::size_t y) {
    if (y < b || y + b >= h) return;
    for (std::size_t x = b; x + b < w; ++x) {
      if (colour(y, x) != 1) continue;
      const std::size_t i = y * w + x;
      for (std::size_t c : {std::size_t{0}, std::size_t{2}}) {
        const float* p = rgb[c];
        const float grad_n = kEps + std::fabs(green[i] - green[i - 2 * w]) +
                             std::fabs(p[i - w] - p[i + w]) + std::fabs(p[i - w] - p[i - 3 * w]);
        const float grad_s = kEps + std::fabs(green[i] - green[i + 2 * w]) +
                             std::fabs(p[i + w] - p[i - w]) + std::fabs(p[i + w] - p[i + 3 * w]);
        const float grad_w = kEps + std::fabs(green[i] - green[i - 2]) +
                             std::fabs(p[i - 1] - p[i + 1]) + std::fabs(p[i - 1] - p[i - 3]);
        const float grad_e = kEps + std::fabs(green[i] - green[i + 2]) +
                             std::fabs(p[i + 1] - p[i - 1]) + std::fabs(p[i + 1] - p[i + 3]);
        const float est_n = p[i - w] - green[i - w], est_s = p[i + w] - green[i + w];
        const float est_w = p[i - 1] - green[i - 1], est_e = p[i + 1] - green[i + 1];
        const float vertical = (grad_n * est_s + grad_s * est_n) / (grad_n + grad_s);
        const float horizontal = (grad_e * est_w + grad_w * est_e) / (grad_e + grad_w);
        rgb[c][i] = green[i] + (1.0f - vh[i]) * vertical + vh[i] * horizontal;
      }
    }
  });

  for (float* plane : rgb)
    for (std::size_t i = 0; i < n; ++i) plane[i] -= offset;
}

}  // namespace

std::string_view to_string(DemosaicMethod method) noexcept {
  return method == DemosaicMethod::Bilinear ? "bilinear" : "rcd";
}

std::optional<DemosaicMethod> parse_demosaic_method(std::string_view text) noexcept {
  if (text == "bilinear") return DemosaicMethod::Bilinear;
  if (text == "rcd") return DemosaicMethod::Rcd;
  return std::nullopt;
}

float demosaic_lift(ConstImageView mosaic) { return positivity_offset(mosaic); }

Image demosaic(ConstImageView mosaic, CfaPattern origin, DemosaicMethod method) {
  return demosaic(mosaic, origin, method, positivity_offset(mosaic));
}

Image demosaic(ConstImageView mosaic, CfaPattern origin, DemosaicMethod method, float lift) {
  if (mosaic.channels() != 1 || mosaic.width() < 2 || mosaic.height() < 2)
    throw Error(ErrorKind::InvalidArgument,
                "demosaicing needs a one-channel CFA mosaic of at least 2 x 2 pixels.");
  const std::size_t w = mosaic.width(), h = mosaic.height();
  const std::array<int, 4> cells = cell_colours(origin);
  Image out(w, h, 3);
  const bool rcd = method == DemosaicMethod::Rcd && w > 2 * kRcdBorder + 1 && h > 2 * kRcdBorder + 1;
  bilinear_rows(mosaic, cells, out, 0, h, /*border_only=*/rcd);
  if (rcd) rcd_interior(mosaic, cells, lift, out);
  return out;
}

Image debayer(const Image& cfa, DemosaicMethod method) {
  if (cfa.channels() != 1)
    throw Error(ErrorKind::InvalidInput,
                "has " + std::to_string(cfa.channels()) +
                    " channels; only one-channel CFA frames can be demosaiced.");
  const auto origin = phase_at_origin(cfa.header(), cfa.height());
  if (!origin) {
    std::string sentence = cfa.header().bayer_pattern.empty()
                               ? "has no BAYERPAT keyword, so its colour filter pattern is unknown"
                               : "has the pattern '" + cfa.header().bayer_pattern +
                                     "', which is not a Bayer pattern (X-Trans is not supported)";
    sentence.append("; only Bayer CFA frames can be demosaiced.");
    throw Error(ErrorKind::InvalidInput, sentence);
  }
  Image out = demosaic(cfa.view(), *origin, method);
  out.header() = cfa.header();
  Header& header = out.header();
  std::string line = "astropack debayer: ";
  line.append(to_string(method)).append(", ").append(header.bayer_pattern);
  line.append(" (").append(to_string(*origin)).append(" at the first stored pixel)");
  header.bayer_pattern.clear();
  header.bayer_offset_x = 0;
  header.bayer_offset_y = 0;
  header.history.push_back(line);
  return out;
}

}  // namespace astropack
