// SPDX-License-Identifier: GPL-3.0-or-later
// Star detection for masking, the size-aware mask, inpainting, the two layers;
// see star_separation.hpp.
#include "astropack/star_separation.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "astropack/error.hpp"
#include "astropack/gaussian_blur.hpp"
#include "astropack/inpaint.hpp"
#include "astropack/statistics.hpp"
#include "describe_number.hpp"

namespace astropack {

void StarSeparationParams::validate() const {
  auto in = [](double v, double lo, double hi) { return v >= lo && v <= hi; };
  if (!in(threshold, 1.0, 100.0))
    throw Error(ErrorKind::InvalidArgument,
                "the detection threshold must be between 1 and 100 sigmas.");
  if (!in(min_peak, threshold, 1000.0))
    throw Error(ErrorKind::InvalidArgument,
                "the minimum star peak must be between the detection threshold and 1000 sigmas.");
  if (!in(max_fwhm, 1.0, 100.0))
    throw Error(ErrorKind::InvalidArgument,
                "the largest star FWHM must be between 1 and 100 pixels.");
  if (tile < 8 || tile > 1024)
    throw Error(ErrorKind::InvalidArgument,
                "the background tile must be between 8 and 1024 pixels.");
  if (!in(mask_level, 0.1, 10.0))
    throw Error(ErrorKind::InvalidArgument, "the mask level must be between 0.1 and 10 sigmas.");
  if (!in(mask_growth, 1.0, 5.0))
    throw Error(ErrorKind::InvalidArgument, "the mask growth must be between 1 and 5.");
  if (!in(mask_margin, 0.0, 50.0))
    throw Error(ErrorKind::InvalidArgument, "the mask margin must be between 0 and 50 pixels.");
  if (!in(max_mask_radius, 2.0, 1000.0))
    throw Error(ErrorKind::InvalidArgument,
                "the largest mask radius must be between 2 and 1000 pixels.");
}

namespace {

constexpr double kMadToSigma = 1.4826;
constexpr double kMoffatBeta = 3.0;
constexpr float kNoiseFloor = static_cast<float>(1.0 / (65535.0 * 3.4641016));  // 1/sqrt(12) ADU

struct Mesh {
  std::size_t columns = 0, rows = 0, tile = 0;
  std::vector<double> centre_x, centre_y;  // tile centres (the last tiles may be partial)
  std::vector<float> level, noise;

  // Bilinear between tile centres and extrapolated linearly beyond the outer ones,
  // so a gradient continues to the edges.
  float at(const std::vector<float>& grid, double x, double y) const {
    double tx = 0.0, ty = 0.0;
    const std::size_t i = segment(centre_x, x, tx), j = segment(centre_y, y, ty);
    const std::size_t i1 = std::min(i + 1, columns - 1), j1 = std::min(j + 1, rows - 1);
    const double top = grid[j * columns + i] * (1 - tx) + grid[j * columns + i1] * tx;
    const double bottom = grid[j1 * columns + i] * (1 - tx) + grid[j1 * columns + i1] * tx;
    return static_cast<float>(top * (1 - ty) + bottom * ty);
  }

 private:
  static std::size_t segment(const std::vector<double>& centres, double v, double& t) {
    if (centres.size() < 2) {
      t = 0.0;
      return 0;
    }
    std::size_t k = 0;
    while (k + 2 < centres.size() && v > centres[k + 1]) ++k;
    t = (v - centres[k]) / (centres[k + 1] - centres[k]);
    return k;
  }
};

// Median and 1.4826 MAD after 5 passes of 3-sigma clipping.
std::pair<double, double> clipped_stats(std::vector<float>& values) {
  double median = median_in_place(values);
  double sigma = kMadToSigma * mad_about(values, median);
  for (int pass = 0; pass < 5 && sigma > 0; ++pass) {
    const auto end = std::remove_if(values.begin(), values.end(),
                                    [&](float v) { return std::fabs(v - median) > 3 * sigma; });
    if (end == values.end()) break;
    values.erase(end, values.end());
    median = median_in_place(values);
    sigma = kMadToSigma * mad_about(values, median);
  }
  return {median, sigma};
}

// Per tile: the level is the clipped median of `lum`; the noise is the clipped
// sigma of `highpass` (the image minus its smoothed self, which keeps the noise
// but not the nebula's structure) divided by `noise_factor`, that sigma's ratio to
// the pixel noise. Tiles without data take the median of the others.
Mesh make_mesh(const std::vector<float>& lum, const std::vector<float>& highpass,
               double noise_factor, std::size_t w, std::size_t h, std::size_t tile) {
  Mesh mesh;
  mesh.tile = tile;
  mesh.columns = std::max<std::size_t>(1, (w + tile - 1) / tile);
  mesh.rows = std::max<std::size_t>(1, (h + tile - 1) / tile);
  for (std::size_t i = 0; i < mesh.columns; ++i)
    mesh.centre_x.push_back(0.5 * (double(i * tile) + double(std::min(w, (i + 1) * tile)) - 1.0));
  for (std::size_t j = 0; j < mesh.rows; ++j)
    mesh.centre_y.push_back(0.5 * (double(j * tile) + double(std::min(h, (j + 1) * tile)) - 1.0));
  const std::size_t count = mesh.columns * mesh.rows;
  mesh.level.assign(count, std::nanf(""));
  mesh.noise.assign(count, std::nanf(""));
  const long n = static_cast<long>(count);
  const std::size_t columns = mesh.columns;
  std::vector<float>& level = mesh.level;
  std::vector<float>& noise = mesh.noise;
#pragma omp parallel default(none) shared(lum, highpass, level, noise) \
    firstprivate(n, w, h, tile, columns, noise_factor)
  {
    std::vector<float> values, residuals;
#pragma omp for schedule(dynamic, 4)
    for (long t = 0; t < n; ++t) {
      const std::size_t x0 = (static_cast<std::size_t>(t) % columns) * tile;
      const std::size_t y0 = (static_cast<std::size_t>(t) / columns) * tile;
      values.clear();
      residuals.clear();
      for (std::size_t y = y0; y < std::min(h, y0 + tile); ++y)
        for (std::size_t x = x0; x < std::min(w, x0 + tile); ++x) {
          const std::size_t i = y * w + x;
          if (!std::isfinite(lum[i]) || !std::isfinite(highpass[i])) continue;
          values.push_back(lum[i]);
          residuals.push_back(highpass[i]);
        }
      if (values.size() < 8) continue;
      level[static_cast<std::size_t>(t)] = static_cast<float>(clipped_stats(values).first);
      noise[static_cast<std::size_t>(t)] =
          static_cast<float>(clipped_stats(residuals).second / noise_factor);
    }
  }
  auto fill = [](std::vector<float>& grid) {
    std::vector<float> known;
    for (float v : grid)
      if (std::isfinite(v)) known.push_back(v);
    const float fallback = known.empty() ? 0.0f : static_cast<float>(median_in_place(known));
    for (float& v : grid)
      if (!std::isfinite(v)) v = fallback;
  };
  fill(mesh.level);
  fill(mesh.noise);
  // Real data carry at least the quantisation noise of 16-bit samples; a noise-free
  // (simulated or denoised) image would otherwise make every ripple significant.
  for (float& v : mesh.noise) v = std::max(v, kNoiseFloor);
  return mesh;
}

// Radius where a Moffat profile of peak `peak` and half-maximum radius `half`
// falls to `level`.
double moffat_extent(double peak, double half, double level) {
  if (!(peak > level) || !(half > 0)) return 0.0;
  const double alpha = half / std::sqrt(std::pow(2.0, 1.0 / kMoffatBeta) - 1.0);
  return alpha * std::sqrt(std::pow(peak / level, 1.0 / kMoffatBeta) - 1.0);
}

// The level under a star from the annulus around it: a plane fitted to the ring
// pixels within 3 robust sigmas of their median, taken at the centre. A plane, not
// the median, because at the image edge the ring is one-sided and a gradient would
// bias a median.
double ring_level(const std::vector<float>& values, const std::vector<double>& dx,
                  const std::vector<double>& dy) {
  std::vector<float> scratch(values);
  const double median = median_in_place(scratch);
  const double sigma = kMadToSigma * mad_about(values, median);
  // Normal equations of v = a + b dx + c dy.
  double m[3][4] = {};
  for (std::size_t k = 0; k < values.size(); ++k) {
    if (sigma > 0 && std::fabs(values[k] - median) > 3 * sigma) continue;
    const double row[3] = {1.0, dx[k], dy[k]};
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < 3; ++j) m[i][j] += row[i] * row[j];
      m[i][3] += row[i] * values[k];
    }
  }
  // Gaussian elimination with partial pivoting; a degenerate ring falls back to the median.
  for (int col = 0; col < 3; ++col) {
    int pivot = col;
    for (int i = col + 1; i < 3; ++i)
      if (std::fabs(m[i][col]) > std::fabs(m[pivot][col])) pivot = i;
    if (std::fabs(m[pivot][col]) < 1e-9) return median;
    std::swap(m[col], m[pivot]);
    for (int i = 0; i < 3; ++i) {
      if (i == col) continue;
      const double f = m[i][col] / m[col][col];
      for (int j = col; j < 4; ++j) m[i][j] -= f * m[col][j];
    }
  }
  return m[0][3] / m[0][0];
}

}  // namespace

StarSeparationResult separate_stars(ConstImageView image, const StarSeparationParams& params,
                                    Progress& progress) {
  params.validate();
  if (image.channels() != 1 && image.channels() != 3)
    throw Error(ErrorKind::InvalidArgument, "star separation needs a grey or an RGB image.");
  const std::size_t w = image.width(), h = image.height();
  if (w < 8 || h < 8)
    throw Error(ErrorKind::InvalidInput,
                "the image is too small to separate stars (8 x 8 at least).");

  // Luminance, then a light smoothing that lifts point sources above the noise.
  Image lum(w, h, 1);
  for (std::size_t y = 0; y < h; ++y)
    for (std::size_t x = 0; x < w; ++x) {
      double sum = 0.0;
      for (std::size_t c = 0; c < image.channels(); ++c) sum += image.at(c, y, x);
      lum.at(0, y, x) = static_cast<float>(sum / double(image.channels()));
    }
  Image smooth = lum;
  GaussianBlurParams blur;
  blur.std_dev_x = blur.std_dev_y = 1.0;
  blur.filter = BlurFilter::Fir;
  blur.working = blur.storage = Trc::Linear;
  gaussian_blur(smooth.view(), blur);
  // The smoothing kernel's weights (a blurred delta): white noise of sigma s
  // leaves s sqrt(sum w^2) in the smoothed image and s sqrt(1 - 2 w0 + sum w^2)
  // in the image minus the smoothed one.
  Image delta(15, 15, 1, 0.0f);
  delta.at(0, 7, 7) = 1.0f;
  gaussian_blur(delta.view(), blur);
  double sum_w2 = 0.0;
  for (float v : delta.samples()) sum_w2 += double(v) * v;
  const double w0 = delta.at(0, 7, 7);
  std::vector<float> highpass(w * h);
  for (std::size_t i = 0; i < w * h; ++i) highpass[i] = lum.samples()[i] - smooth.samples()[i];
  const Mesh mesh =
      make_mesh(lum.samples(), highpass, std::sqrt(1.0 - 2.0 * w0 + sum_w2), w, h, params.tile);
  const double smooth_noise_factor = std::sqrt(sum_w2);
  progress.report(0.2, "star detection");
  throw_if_cancelled(progress);

  // Pixels above the threshold form 8-connected components; every local maximum of
  // a component reaching min_peak is a candidate (a component may hold several
  // stars, or stars on a bright nebula).
  const std::vector<float>& L = lum.samples();
  const std::vector<float>& S = smooth.samples();
  std::vector<std::uint8_t> above(w * h, 0);
  std::vector<float> sigma(w * h);
  for (std::size_t y = 0; y < h; ++y)
    for (std::size_t x = 0; x < w; ++x) {
      const std::size_t i = y * w + x;
      const double level = mesh.at(mesh.level, double(x), double(y));
      sigma[i] = std::max(1e-12f, static_cast<float>(smooth_noise_factor *
                                                     mesh.at(mesh.noise, double(x), double(y))));
      above[i] = std::isfinite(S[i]) && S[i] - level > params.threshold * sigma[i];
    }
  std::vector<std::size_t> peaks;
  {
    std::vector<std::uint8_t> seen(w * h, 0);
    std::vector<std::size_t> stack, pixels;
    for (std::size_t start = 0; start < w * h; ++start) {
      if (!above[start] || seen[start]) continue;
      pixels.clear();
      stack.assign(1, start);
      seen[start] = 1;
      while (!stack.empty()) {
        const std::size_t i = stack.back();
        stack.pop_back();
        pixels.push_back(i);
        const std::size_t x = i % w, y = i / w;
        for (int dy = -1; dy <= 1; ++dy)
          for (int dx = -1; dx <= 1; ++dx) {
            const long nx = long(x) + dx, ny = long(y) + dy;
            if (nx < 0 || ny < 0 || nx >= long(w) || ny >= long(h)) continue;
            const std::size_t j = std::size_t(ny) * w + std::size_t(nx);
            if (above[j] && !seen[j]) {
              seen[j] = 1;
              stack.push_back(j);
            }
          }
      }
      for (std::size_t i : pixels) {
        const std::size_t x = i % w, y = i / w;
        if (S[i] - mesh.at(mesh.level, double(x), double(y)) < params.min_peak * sigma[i]) continue;
        // A strict maximum over earlier neighbours and at least the later ones, so a
        // flat top gives one peak.
        bool is_peak = true;
        for (int dy = -1; dy <= 1 && is_peak; ++dy)
          for (int dx = -1; dx <= 1 && is_peak; ++dx) {
            const long nx = long(x) + dx, ny = long(y) + dy;
            if ((!dx && !dy) || nx < 0 || ny < 0 || nx >= long(w) || ny >= long(h)) continue;
            const std::size_t j = std::size_t(ny) * w + std::size_t(nx);
            is_peak = j < i ? S[i] > S[j] : S[i] >= S[j];
          }
        if (is_peak) peaks.push_back(i);
      }
    }
  }
  progress.report(0.4, "star mask");
  throw_if_cancelled(progress);

  // Each candidate against its local level (median of an annulus, which holds the
  // nebula around the star): its core is the connected region above half its peak.
  // A core reaching max_fwhm / 2 from the peak is broad: nebula.
  StarSeparationResult result;
  struct Candidate {
    std::size_t index;
    double peak, half;
    std::vector<std::size_t> core;
  };
  std::vector<Candidate> stars;
  const double core_limit = 0.5 * params.max_fwhm;
  const double inner = std::max(4.0, core_limit + 1.0), outer = inner + 4.0;
  {
    std::vector<float> ring;
    std::vector<double> ring_dx, ring_dy;
    std::vector<std::uint8_t> in_core(w * h, 0);
    std::vector<std::size_t> stack;
    for (std::size_t index : peaks) {
      const long px = long(index % w), py = long(index / w);
      ring.clear();
      ring_dx.clear();
      ring_dy.clear();
      const long r = long(std::ceil(outer));
      for (long dy = -r; dy <= r; ++dy)
        for (long dx = -r; dx <= r; ++dx) {
          const long x = px + dx, y = py + dy;
          const double d2 = double(dx * dx + dy * dy);
          if (x < 0 || y < 0 || x >= long(w) || y >= long(h) || d2 < inner * inner ||
              d2 > outer * outer)
            continue;
          const float v = L[std::size_t(y) * w + std::size_t(x)];
          if (!std::isfinite(v)) continue;
          ring.push_back(v);
          ring_dx.push_back(double(dx));
          ring_dy.push_back(double(dy));
        }
      if (ring.size() < 8) continue;
      const double local = ring_level(ring, ring_dx, ring_dy);
      const double peak = L[index] - local;
      // Significant against its own surroundings too: a rising gradient at the image
      // edge or a smooth nebula swell has maxima but little local contrast.
      if (!(S[index] - local >= params.min_peak * sigma[index]) || !(peak > 0)) continue;
      Candidate c{index, peak, 0.0, {}};
      bool broad = false;
      stack.assign(1, index);
      in_core[index] = 1;
      while (!stack.empty()) {
        const std::size_t i = stack.back();
        stack.pop_back();
        c.core.push_back(i);
        const long x = long(i % w), y = long(i / w);
        if (std::hypot(double(x - px), double(y - py)) >= core_limit) broad = true;
        const long nx[4] = {x - 1, x + 1, x, x}, ny[4] = {y, y, y - 1, y + 1};
        for (int k = 0; k < 4 && !broad; ++k) {
          if (nx[k] < 0 || ny[k] < 0 || nx[k] >= long(w) || ny[k] >= long(h)) continue;
          const std::size_t j = std::size_t(ny[k]) * w + std::size_t(nx[k]);
          if (!in_core[j] && L[j] - local >= 0.5 * peak) {
            in_core[j] = 1;
            stack.push_back(j);
          }
        }
        if (broad) break;
      }
      for (std::size_t i : c.core) in_core[i] = 0;
      for (std::size_t i : stack) in_core[i] = 0;
      if (broad) {
        ++result.nebula_components;
        continue;
      }
      c.half = std::sqrt(double(c.core.size()) / M_PI);
      stars.push_back(std::move(c));
    }
  }
  // The seeing is common to all stars: the median half-maximum radius of the
  // well-measured ones (peak at least 20 sigmas) sizes the faint ones, whose own
  // cores are a pixel or two of noise.
  std::vector<float> halves;
  for (const Candidate& c : stars)
    if (c.peak >= 20.0 * mesh.at(mesh.noise, double(c.index % w), double(c.index / w)))
      halves.push_back(static_cast<float>(c.half));
  const double typical_half = halves.empty() ? 1.0 : median_in_place(halves);

  // Size-aware masks: disk out to where the modelled profile meets mask_level noise
  // sigmas, grown, plus the core itself.
  result.mask.assign(w * h, 0);
  for (const Candidate& c : stars) {
    const double px = double(c.index % w), py = double(c.index / w);
    const double noise = mesh.at(mesh.noise, px, py);
    // Down to mask_level sigmas, but not below 1e-4 of the peak (99.8 % of a Moffat
    // star's light lies inside that), which bounds the masks of noise-free images.
    const double floor = std::max(params.mask_level * noise, 1e-4 * c.peak);
    double radius = moffat_extent(c.peak, std::max(c.half, typical_half), floor);
    radius = std::min(params.mask_growth * radius + params.mask_margin, params.max_mask_radius);
    result.found.push_back({px, py, c.peak, radius});
    const long r = static_cast<long>(std::ceil(radius));
    for (long dy = -r; dy <= r; ++dy)
      for (long dx = -r; dx <= r; ++dx) {
        const long x = long(px) + dx, y = long(py) + dy;
        if (x < 0 || y < 0 || x >= long(w) || y >= long(h)) continue;
        if (double(dx * dx + dy * dy) <= radius * radius)
          result.mask[std::size_t(y) * w + std::size_t(x)] = 1;
      }
    for (std::size_t i : c.core) result.mask[i] = 1;
  }
  progress.report(0.6, "inpainting");
  throw_if_cancelled(progress);

  result.starless = Image(w, h, image.channels());
  for (std::size_t c = 0; c < image.channels(); ++c)
    for (std::size_t y = 0; y < h; ++y) std::copy_n(image.row(c, y), w, result.starless.row(c, y));
  if (!result.found.empty()) inpaint_harmonic(result.starless.view(), result.mask);

  result.stars = Image(w, h, image.channels());
  const bool screen = params.stars_layer == StarsLayer::ScreenInverse;
  for (std::size_t c = 0; c < image.channels(); ++c)
    for (std::size_t y = 0; y < h; ++y) {
      const float* in = image.row(c, y);
      const float* sl = result.starless.row(c, y);
      float* out = result.stars.row(c, y);
      for (std::size_t x = 0; x < w; ++x) {
        if (!screen) {
          out[x] = in[x] - sl[x];
        } else {
          // Screen(starless, stars) = image; undefined where starless reaches 1.
          const double d = 1.0 - double(sl[x]);
          out[x] = d > 1e-6 ? static_cast<float>(1.0 - (1.0 - double(in[x])) / d) : 0.0f;
        }
      }
    }
  progress.report(1.0, "stars");
  return result;
}

std::string describe(const StarSeparationParams& p) {
  using compositing_detail::number_text;
  std::string text = "starless threshold=";
  text.append(number_text(p.threshold)).append(" min-peak=").append(number_text(p.min_peak));
  text.append(" max-fwhm=").append(number_text(p.max_fwhm));
  text.append(" tile=").append(std::to_string(p.tile));
  text.append(" mask=").append(number_text(p.mask_level)).append("sigma*");
  text.append(number_text(p.mask_growth)).append("+").append(number_text(p.mask_margin));
  text.append(p.stars_layer == StarsLayer::Difference ? " stars=difference" : " stars=screen");
  return text;
}

}  // namespace astropack
