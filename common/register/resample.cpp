// SPDX-License-Identifier: GPL-3.0-or-later
#include "astropack/resample.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <string>

#include "astropack/error.hpp"

namespace astropack {

namespace {

// Kernel weights are tabulated at this many phases per pixel: a sample point
// moves by at most 1/2048 pixel, far below any registration error.
constexpr int kPhases = 1024;

double lanczos3(double t) {
  t = std::abs(t);
  if (t < 1e-12) return 1.0;
  if (t >= 3.0) return 0.0;
  const double pt = std::numbers::pi * t;
  return 3.0 * std::sin(pt) * std::sin(pt / 3.0) / (pt * pt);
}

// Keys (1981) cubic convolution with a = -0.5.
double keys_cubic(double t) {
  constexpr double a = -0.5;
  t = std::abs(t);
  if (t <= 1.0) return ((a + 2.0) * t - (a + 3.0)) * t * t + 1.0;
  if (t < 2.0) return ((a * t - 5.0 * a) * t + 8.0 * a) * t - 4.0 * a;
  return 0.0;
}

double triangle(double t) { return std::max(0.0, 1.0 - std::abs(t)); }

// Weights of the 2 * reach taps at pixels floor(s) - reach + 1 ... floor(s) + reach
// for every phase (s - floor(s)) * kPhases, each row summing to 1.
template <int Reach>
struct KernelTable {
  static constexpr int kTaps = 2 * Reach;
  std::vector<std::array<float, kTaps>> rows;

  explicit KernelTable(double (*kernel)(double)) : rows(kPhases + 1) {
    for (int p = 0; p <= kPhases; ++p) {
      const double t = double(p) / kPhases;
      std::array<double, kTaps> w{};
      double sum = 0.0;
      for (int j = 0; j < kTaps; ++j) {
        w[j] = kernel(t + Reach - 1 - j);
        sum += w[j];
      }
      for (int j = 0; j < kTaps; ++j) rows[p][j] = static_cast<float>(w[j] / sum);
    }
  }
};

const KernelTable<3>& lanczos_table() {
  static const KernelTable<3> table(lanczos3);
  return table;
}
const KernelTable<2>& cubic_table() {
  static const KernelTable<2> table(keys_cubic);
  return table;
}
const KernelTable<1>& linear_table() {
  static const KernelTable<1> table(triangle);
  return table;
}

// Everything one band of resampling needs, fixed before the pixel loops.
struct BandJob {
  ConstImageView source;
  std::size_t source_first = 0;  // frame row of source row 0
  std::size_t frame_width = 0, frame_height = 0;
  Transform::Matrix h;
  bool affine = true;
  bool clamp = true;
  RowBand output;
  ImageView out;
};

// The frame point of output pixel (x, y); false when it lies off the frame
// (or at infinity).
inline bool source_point(const BandJob& job, double x, double y, double& sx, double& sy) {
  const auto& h = job.h;
  double u = h[0] * x + h[1] * y + h[2];
  double v = h[3] * x + h[4] * y + h[5];
  if (!job.affine) {
    const double w = h[6] * x + h[7] * y + h[8];
    if (!(w > 0.0)) return false;
    u /= w;
    v /= w;
  }
  sx = u;
  sy = v;
  return u >= -0.5 && u <= double(job.frame_width) - 0.5 && v >= -0.5 &&
         v <= double(job.frame_height) - 0.5;
}

inline std::ptrdiff_t clamp_index(std::ptrdiff_t i, std::ptrdiff_t size) {
  return std::clamp<std::ptrdiff_t>(i, 0, size - 1);
}

// Source rows (relative to the band held) of the taps, clamped to the frame
// edges, and the index of the phase.
template <int Reach>
inline void tap_rows(const BandJob& job, double s, std::array<std::ptrdiff_t, 2 * Reach>& rows,
                     int& phase) {
  const double floor_s = std::floor(s);
  phase = static_cast<int>(std::lround((s - floor_s) * kPhases));
  const auto base = static_cast<std::ptrdiff_t>(floor_s) - Reach + 1;
  const auto height = static_cast<std::ptrdiff_t>(job.frame_height);
  const auto first = static_cast<std::ptrdiff_t>(job.source_first);
  const auto held = static_cast<std::ptrdiff_t>(job.source.height());
  for (int j = 0; j < 2 * Reach; ++j)
    rows[j] = std::clamp<std::ptrdiff_t>(clamp_index(base + j, height) - first, 0, held - 1);
}

template <int Reach>
void resample_rows_kernel(const BandJob& job, const KernelTable<Reach>& table, bool clamp) {
  constexpr int kTaps = 2 * Reach;
  const std::size_t width = job.out.width(), channels = job.out.channels();
  const auto frame_width = static_cast<std::ptrdiff_t>(job.frame_width);
#pragma omp parallel for schedule(static)
  for (std::size_t r = 0; r < job.output.rows; ++r) {
    const double y = double(job.output.first_row + r);
    std::array<std::ptrdiff_t, kTaps> rows{}, cols{};
    for (std::size_t x = 0; x < width; ++x) {
      double sx = 0, sy = 0;
      if (!source_point(job, double(x), y, sx, sy)) {
        for (std::size_t c = 0; c < channels; ++c) job.out.at(c, r, x) = 0.0f;
        continue;
      }
      int phase_y = 0, phase_x = 0;
      tap_rows<Reach>(job, sy, rows, phase_y);
      const double floor_x = std::floor(sx);
      phase_x = static_cast<int>(std::lround((sx - floor_x) * kPhases));
      const auto base_x = static_cast<std::ptrdiff_t>(floor_x) - Reach + 1;
      const bool inside = base_x >= 0 && base_x + kTaps <= frame_width;
      for (int i = 0; i < kTaps; ++i) cols[i] = inside ? base_x + i : clamp_index(base_x + i, frame_width);
      const std::array<float, kTaps>& wx = table.rows[phase_x];
      const std::array<float, kTaps>& wy = table.rows[phase_y];
      for (std::size_t c = 0; c < channels; ++c) {
        float sum = 0.0f;
        for (int j = 0; j < kTaps; ++j) {
          const float* row = job.source.row(c, static_cast<std::size_t>(rows[j]));
          float line = 0.0f;
          if (inside) {
            const float* p = row + base_x;
            for (int i = 0; i < kTaps; ++i) line += wx[i] * p[i];
          } else {
            for (int i = 0; i < kTaps; ++i) line += wx[i] * row[cols[i]];
          }
          sum += wy[j] * line;
        }
        if (clamp) {
          // The 2 x 2 pixels around the sample point are taps Reach - 1 and Reach.
          const float* top = job.source.row(c, static_cast<std::size_t>(rows[Reach - 1]));
          const float* bottom = job.source.row(c, static_cast<std::size_t>(rows[Reach]));
          const float a = top[cols[Reach - 1]], b = top[cols[Reach]];
          const float d = bottom[cols[Reach - 1]], e = bottom[cols[Reach]];
          const float lo = std::min(std::min(a, b), std::min(d, e));
          const float hi = std::max(std::max(a, b), std::max(d, e));
          sum = std::clamp(sum, lo, hi);
        }
        job.out.at(c, r, x) = sum;
      }
    }
  }
}

void resample_rows_nearest(const BandJob& job) {
  const std::size_t width = job.out.width(), channels = job.out.channels();
  const auto frame_width = static_cast<std::ptrdiff_t>(job.frame_width);
  const auto frame_height = static_cast<std::ptrdiff_t>(job.frame_height);
  const auto first = static_cast<std::ptrdiff_t>(job.source_first);
  const auto held = static_cast<std::ptrdiff_t>(job.source.height());
#pragma omp parallel for schedule(static)
  for (std::size_t r = 0; r < job.output.rows; ++r) {
    const double y = double(job.output.first_row + r);
    for (std::size_t x = 0; x < width; ++x) {
      double sx = 0, sy = 0;
      if (!source_point(job, double(x), y, sx, sy)) {
        for (std::size_t c = 0; c < channels; ++c) job.out.at(c, r, x) = 0.0f;
        continue;
      }
      const auto ix = clamp_index(static_cast<std::ptrdiff_t>(std::floor(sx + 0.5)), frame_width);
      const auto iy = std::clamp<std::ptrdiff_t>(
          clamp_index(static_cast<std::ptrdiff_t>(std::floor(sy + 0.5)), frame_height) - first, 0,
          held - 1);
      for (std::size_t c = 0; c < channels; ++c)
        job.out.at(c, r, x) = job.source.at(c, static_cast<std::size_t>(iy), static_cast<std::size_t>(ix));
    }
  }
}

}  // namespace

Interpolation parse_interpolation(std::string_view name) {
  if (name == "lanczos3" || name == "lanczos") return Interpolation::Lanczos3;
  if (name == "bicubic" || name == "cubic") return Interpolation::Bicubic;
  if (name == "bilinear" || name == "linear") return Interpolation::Bilinear;
  if (name == "nearest") return Interpolation::Nearest;
  std::string sentence = "'";
  sentence.append(name).append("' is not an interpolation; use lanczos3, bicubic, bilinear or nearest.");
  throw Error(ErrorKind::InvalidArgument, sentence);
}

std::string_view to_string(Interpolation interpolation) noexcept {
  switch (interpolation) {
    case Interpolation::Lanczos3: return "lanczos3";
    case Interpolation::Bicubic: return "bicubic";
    case Interpolation::Bilinear: return "bilinear";
    case Interpolation::Nearest: return "nearest";
  }
  return "lanczos3";
}

std::size_t kernel_reach(Interpolation interpolation) noexcept {
  switch (interpolation) {
    case Interpolation::Lanczos3: return 3;
    case Interpolation::Bicubic: return 2;
    case Interpolation::Bilinear:
    case Interpolation::Nearest: return 1;
  }
  return 3;
}

RowBand source_rows_for(const Transform& reference_to_frame, RowBand output,
                        std::size_t output_width, std::size_t frame_width,
                        std::size_t frame_height, Interpolation interpolation) {
  (void)frame_width;
  if (output.rows == 0 || output_width == 0 || frame_height == 0) return {0, 0};
  const RowBand whole{0, frame_height};
  const auto& h = reference_to_frame.matrix();
  const double x1 = double(output_width - 1);
  const double y0 = double(output.first_row), y1 = double(output.first_row + output.rows - 1);
  double low = INFINITY, high = -INFINITY;
  for (const Point2 corner : {Point2{0, y0}, Point2{x1, y0}, Point2{0, y1}, Point2{x1, y1}}) {
    // The band's image is the convex hull of its corners' images only while the
    // homography keeps every point in front (w > 0 at the corners); otherwise
    // take the whole frame.
    const double w = h[6] * corner.x + h[7] * corner.y + h[8];
    if (!(w > 1e-12)) return whole;
    const double y = reference_to_frame.apply(corner).y;
    if (!std::isfinite(y)) return whole;
    low = std::min(low, y);
    high = std::max(high, y);
  }
  const double last = double(frame_height) - 0.5;
  if (high < -0.5 || low > last) return {0, 0};
  // One row of slack on either side for rounding at the corners.
  const double reach = double(kernel_reach(interpolation));
  const double first = std::max(0.0, std::floor(std::max(low, -0.5)) - reach);
  const double end = std::min(double(frame_height), std::floor(std::min(high, last)) + reach + 2.0);
  if (end <= first) return {0, 0};
  return {static_cast<std::size_t>(first), static_cast<std::size_t>(end - first)};
}

void resample_band(ConstImageView source, RowBand source_rows, std::size_t frame_height,
                   const Transform& reference_to_frame, RowBand output, ImageView out,
                   const ResampleOptions& options) {
  if (out.height() != output.rows || out.channels() != source.channels() ||
      source.height() != source_rows.rows) {
    throw Error(ErrorKind::Internal, "resampling was given buffers of the wrong size.");
  }
  const RowBand needed = source_rows_for(reference_to_frame, output, out.width(), source.width(),
                                         frame_height, options.interpolation);
  if (needed.rows > 0 && (needed.first_row < source_rows.first_row ||
                          needed.first_row + needed.rows > source_rows.first_row + source_rows.rows)) {
    throw Error(ErrorKind::Internal, "resampling was given too few source rows.");
  }
  BandJob job;
  job.source = source;
  job.source_first = source_rows.first_row;
  job.frame_width = source.width();
  job.frame_height = frame_height;
  job.h = reference_to_frame.matrix();
  job.affine = reference_to_frame.is_affine();
  job.output = output;
  job.out = out;
  if (needed.rows == 0 || source_rows.rows == 0) {
    for (std::size_t c = 0; c < out.channels(); ++c)
      for (std::size_t y = 0; y < out.height(); ++y) std::fill_n(out.row(c, y), out.width(), 0.0f);
    return;
  }
  switch (options.interpolation) {
    case Interpolation::Lanczos3: resample_rows_kernel(job, lanczos_table(), options.clamp); break;
    case Interpolation::Bicubic: resample_rows_kernel(job, cubic_table(), options.clamp); break;
    case Interpolation::Bilinear: resample_rows_kernel(job, linear_table(), false); break;
    case Interpolation::Nearest: resample_rows_nearest(job); break;
  }
}

Image resample_frame(const Image& frame, const Transform& reference_to_frame, std::size_t width,
                     std::size_t height, const ResampleOptions& options) {
  Image out(width, height, frame.channels());
  out.header() = frame.header();
  if (frame.empty() || width == 0 || height == 0) return out;
  resample_band(frame.view(), {0, frame.height()}, frame.height(), reference_to_frame,
                {0, height}, out.view(), options);
  return out;
}

}  // namespace astropack
