// SPDX-License-Identifier: GPL-3.0-or-later
#include "sky_model.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "random.hpp"

namespace astropack::simulate {

namespace {

// Sub-streams of Stream::Nebula.
enum : std::uint64_t { kShapes = 0, kHaTexture = 1, kOiiiTexture = 2 };

// Background of a colour camera per R, G, B site, relative to a mono L frame.
constexpr double kColourBackground[3] = {0.53, 0.60, 0.43};
// Ha and OIII seen by R, G, B sites (a colour camera collects less per site).
constexpr double kHaColour[3] = {0.60, 0.07, 0.03};
constexpr double kOiiiColour[3] = {0.03, 0.54, 0.48};
constexpr double kOiiiRelative = 0.4;  // OIII peak / Ha peak

// Star brightness: N(> flux) ~ flux^-kSlope between these fluxes (ADU per light).
constexpr double kFaintestAdu = 1200.0, kBrightestAdu = 400000.0, kSlope = 0.8;
// Saturating stars placed inside the reference frame: their cores clip in the
// lights, yet stay below twice full scale in the truth sky of a mono camera.
constexpr double kSaturatingAdu[3] = {0.9e6, 1.15e6, 1.4e6};

struct Blob {
  double x, y, sigma_major, sigma_minor, cos_t, sin_t, amplitude;
  double at(double px, double py) const noexcept {
    const double dx = px - x, dy = py - y;
    const double u = (dx * cos_t + dy * sin_t) / sigma_major;
    const double v = (-dx * sin_t + dy * cos_t) / sigma_minor;
    return amplitude * std::exp(-0.5 * (u * u + v * v));
  }
};

Blob random_blob(Rng& rng, double cx, double cy, double spread, double low, double high) {
  Blob blob{};
  blob.x = cx + rng.normal(0.0, spread);
  blob.y = cy + rng.normal(0.0, spread);
  blob.sigma_major = rng.uniform(low, high);
  blob.sigma_minor = blob.sigma_major * rng.uniform(0.5, 0.9);
  const double angle = rng.uniform(0.0, std::numbers::pi);
  blob.cos_t = std::cos(angle);
  blob.sin_t = std::sin(angle);
  blob.amplitude = rng.uniform(0.5, 1.0);
  return blob;
}

// Smooth value noise in [0, 1): random values on an integer lattice, blended
// with a quintic fade. Any real coordinate gives the same value every time.
double lattice(std::uint64_t key, std::int64_t i, std::int64_t j) noexcept {
  const std::uint64_t h = mix64(key ^ mix64(static_cast<std::uint64_t>(i) * 0x9e3779b97f4a7c15ULL +
                                            static_cast<std::uint64_t>(j)));
  return static_cast<double>(h >> 11) * 0x1.0p-53;
}

double fade(double t) noexcept { return t * t * t * (t * (t * 6.0 - 15.0) + 10.0); }

double value_noise(std::uint64_t key, double x, double y) noexcept {
  const double fx = std::floor(x), fy = std::floor(y);
  const auto i = static_cast<std::int64_t>(fx), j = static_cast<std::int64_t>(fy);
  const double tx = fade(x - fx), ty = fade(y - fy);
  const double top = lattice(key, i, j) + tx * (lattice(key, i + 1, j) - lattice(key, i, j));
  const double bottom =
      lattice(key, i, j + 1) + tx * (lattice(key, i + 1, j + 1) - lattice(key, i, j + 1));
  return top + ty * (bottom - top);
}

// Four octaves, the coarsest with this wavelength; result in [0, 1).
double texture(std::uint64_t key, double x, double y, double wavelength) noexcept {
  double sum = 0.0, weight = 0.0, amplitude = 1.0, frequency = 1.0 / wavelength;
  for (int octave = 0; octave < 4; ++octave) {
    sum += amplitude *
           value_noise(key + static_cast<std::uint64_t>(octave), x * frequency, y * frequency);
    weight += amplitude;
    amplitude *= 0.55;
    frequency *= 2.0;
  }
  return sum / weight;
}

double smoothstep(double low, double high, double x) noexcept {
  const double t = std::clamp((x - low) / (high - low), 0.0, 1.0);
  return t * t * (3.0 - 2.0 * t);
}

// Relative R, G, B of a black body seen through broad Bayer filters, G = 1.
void black_body_colour(double temperature, double colour[3]) {
  constexpr double c2 = 1.4388e-2;  // m K
  constexpr double wavelengths[3] = {0.60e-6, 0.53e-6, 0.46e-6};
  double radiance[3];
  for (int c = 0; c < 3; ++c) {
    const double l = wavelengths[c];
    radiance[c] = 1.0 / (std::pow(l * 1e6, 5.0) * std::expm1(c2 / (l * temperature)));
  }
  for (int c = 0; c < 3; ++c) colour[c] = radiance[c] / radiance[1];
}

}  // namespace

SkyModel::SkyModel(const SimulationPlan& plan, double margin)
    : m_channels(plan.cfa ? 3 : 1),
      m_width(static_cast<double>(plan.width)),
      m_height(static_cast<double>(plan.height)),
      m_margin(std::ceil(margin) + 2.0) {
  for (int c = 0; c < 3; ++c)
    m_background[c] = plan.sky_e_per_s * (plan.cfa ? kColourBackground[c] : 1.0);
  Rng rng(stream_key(plan.seed, Stream::Nebula, kShapes, 99));
  m_gradient = plan.sky_gradient;
  // Light pollution rises towards a horizon somewhere below-left of the frame.
  const double angle = rng.uniform(0.55, 0.95) * std::numbers::pi;
  m_gradient_cos = std::cos(angle);
  m_gradient_sin = std::sin(angle);
  make_nebula(plan);
  make_stars(plan);
}

double SkyModel::background(int channel, double x, double y) const noexcept {
  const double half_diagonal = 0.5 * std::hypot(m_width, m_height);
  const double along = ((x - 0.5 * (m_width - 1.0)) * m_gradient_cos +
                        (y - 0.5 * (m_height - 1.0)) * m_gradient_sin) /
                       half_diagonal;
  return m_background[channel] * (1.0 + m_gradient * along);
}

double SkyModel::nebula(int channel, double x, double y) const noexcept {
  const double gx = std::clamp(x + m_margin, 0.0, static_cast<double>(m_grid_width) - 1.001);
  const double gy = std::clamp(y + m_margin, 0.0, static_cast<double>(m_grid_height) - 1.001);
  const auto i = static_cast<std::size_t>(gx), j = static_cast<std::size_t>(gy);
  const double tx = gx - static_cast<double>(i), ty = gy - static_cast<double>(j);
  const float* grid = m_nebula[channel].data();
  const float* row0 = grid + j * m_grid_width + i;
  const float* row1 = row0 + m_grid_width;
  const double top = row0[0] + tx * (row0[1] - row0[0]);
  const double bottom = row1[0] + tx * (row1[1] - row1[0]);
  return top + ty * (bottom - top);
}

void SkyModel::make_nebula(const SimulationPlan& plan) {
  const double size = std::min(m_width, m_height);
  Rng rng(stream_key(plan.seed, Stream::Nebula, kShapes));
  const double cx = m_width * rng.uniform(0.4, 0.6), cy = m_height * rng.uniform(0.4, 0.6);

  std::vector<Blob> ha_blobs, oiii_blobs;
  for (int i = 0; i < 4; ++i)
    ha_blobs.push_back(random_blob(rng, cx, cy, 0.15 * size, 0.12 * size, 0.25 * size));
  for (int i = 0; i < 2; ++i)
    oiii_blobs.push_back(random_blob(rng, cx, cy, 0.05 * size, 0.06 * size, 0.12 * size));

  const std::uint64_t ha_key = stream_key(plan.seed, Stream::Nebula, kHaTexture);
  const std::uint64_t oiii_key = stream_key(plan.seed, Stream::Nebula, kOiiiTexture);
  const double wavelength = 0.25 * size;
  m_grid_width = plan.width + 2 * static_cast<std::size_t>(m_margin);
  m_grid_height = plan.height + 2 * static_cast<std::size_t>(m_margin);
  const std::size_t gw = m_grid_width, gh = m_grid_height;
  const double offset = m_margin;
  std::vector<float> ha(gw * gh), oiii(gw * gh);

  // Diffuse emission, mottled by the texture.
#pragma omp parallel for schedule(static) default(none) shared(ha, oiii, ha_blobs, oiii_blobs) \
    firstprivate(gw, gh, offset, ha_key, oiii_key, wavelength)
  for (std::size_t j = 0; j < gh; ++j) {
    const double y = static_cast<double>(j) - offset;
    for (std::size_t i = 0; i < gw; ++i) {
      const double x = static_cast<double>(i) - offset;
      double envelope = 0.0;
      for (const Blob& blob : ha_blobs) envelope += blob.at(x, y);
      const double ha_mottle = smoothstep(0.25, 0.75, texture(ha_key, x, y, wavelength));
      ha[j * gw + i] = static_cast<float>(envelope * (0.25 + 0.75 * ha_mottle));
      double core = 0.0;
      for (const Blob& blob : oiii_blobs) core += blob.at(x, y);
      const double oiii_mottle = smoothstep(0.2, 0.8, texture(oiii_key, x, y, 0.5 * wavelength));
      oiii[j * gw + i] = static_cast<float>(core * (0.5 + 0.5 * oiii_mottle));
    }
  }

  // Ha filaments: wavy arcs of small Gaussian beads, closer than their width so
  // the line looks continuous, with brightness and width changing along it.
  const double base_sigma = std::max(1.3, 0.006 * size);
  for (int arc = 0; arc < 3; ++arc) {
    const double ax = cx + rng.normal(0.0, 0.1 * size), ay = cy + rng.normal(0.0, 0.1 * size);
    const double radius = size * rng.uniform(0.2, 0.4);
    const double start = rng.uniform(0.0, 2.0 * std::numbers::pi);
    const double span = rng.uniform(0.8, 1.8);
    const double amplitude = rng.uniform(0.4, 0.8);
    double phase[4];
    for (double& p : phase) p = rng.uniform(0.0, 2.0 * std::numbers::pi);
    const int beads = static_cast<int>(std::ceil(radius * span / (0.4 * base_sigma)));
    for (int b = 0; b <= beads; ++b) {
      const double angle = start + span * b / beads;
      const double wobble =
          1.0 + 0.08 * std::sin(2.0 * angle + phase[0]) + 0.04 * std::sin(7.0 * angle + phase[1]);
      const double bx = ax + radius * wobble * std::cos(angle) + offset;
      const double by = ay + radius * wobble * std::sin(angle) + offset;
      const double sigma = base_sigma * (1.0 + 0.35 * std::sin(4.0 * angle + phase[2]));
      const double weight = amplitude * 0.25 * (0.6 + 0.4 * std::sin(3.0 * angle + phase[3]));
      const double reach = 4.0 * sigma;
      const auto i0 = static_cast<std::ptrdiff_t>(std::floor(bx - reach));
      const auto j0 = static_cast<std::ptrdiff_t>(std::floor(by - reach));
      const auto i1 = static_cast<std::ptrdiff_t>(std::ceil(bx + reach));
      const auto j1 = static_cast<std::ptrdiff_t>(std::ceil(by + reach));
      for (std::ptrdiff_t j = std::max<std::ptrdiff_t>(j0, 0);
           j <= std::min<std::ptrdiff_t>(j1, static_cast<std::ptrdiff_t>(gh) - 1); ++j) {
        for (std::ptrdiff_t i = std::max<std::ptrdiff_t>(i0, 0);
             i <= std::min<std::ptrdiff_t>(i1, static_cast<std::ptrdiff_t>(gw) - 1); ++i) {
          const double dx = static_cast<double>(i) - bx, dy = static_cast<double>(j) - by;
          ha[static_cast<std::size_t>(j) * gw + static_cast<std::size_t>(i)] +=
              static_cast<float>(weight * std::exp(-(dx * dx + dy * dy) / (2.0 * sigma * sigma)));
        }
      }
    }
  }

  // Scale: the brightest Ha to the plan's peak, OIII to a fraction of it.
  const double ha_max = *std::max_element(ha.begin(), ha.end());
  const double oiii_max = *std::max_element(oiii.begin(), oiii.end());
  const double ha_scale = plan.nebula_peak_e_per_s / ha_max;
  const double oiii_scale = kOiiiRelative * plan.nebula_peak_e_per_s / oiii_max;
  for (int c = 0; c < m_channels; ++c) {
    const double wh = plan.cfa ? kHaColour[c] : 1.0;
    const double wo = plan.cfa ? kOiiiColour[c] : 1.0;
    m_nebula[c].resize(gw * gh);
    for (std::size_t k = 0; k < gw * gh; ++k)
      m_nebula[c][k] = static_cast<float>(wh * ha_scale * ha[k] + wo * oiii_scale * oiii[k]);
  }
}

void SkyModel::make_stars(const SimulationPlan& plan) {
  Rng rng(stream_key(plan.seed, Stream::Stars));
  const double reach = m_margin - 2.0;
  const double area = (m_width + 2.0 * reach) * (m_height + 2.0 * reach);
  const auto count = static_cast<std::size_t>(std::llround(plan.stars_per_megapixel * area / 1e6));
  const double to_rate = plan.camera.electrons_per_adu / plan.light_exposure_s;
  // Inverse of the truncated power law's cumulative distribution.
  const double tail = std::pow(kBrightestAdu / kFaintestAdu, -kSlope);

  auto add = [&](double x, double y, double flux_adu) {
    Star star;
    star.x = x;
    star.y = y;
    star.rate = flux_adu * to_rate;
    // Cool stars are common, hot ones rare.
    star.temperature_k = 3000.0 + 8000.0 * std::pow(rng.uniform(), 1.6);
    if (plan.cfa) black_body_colour(star.temperature_k, star.colour);
    m_stars.push_back(star);
  };
  for (std::size_t i = 0; i < count; ++i) {
    const double x = rng.uniform(-reach, m_width - 1.0 + reach);
    const double y = rng.uniform(-reach, m_height - 1.0 + reach);
    const double flux = kFaintestAdu * std::pow(1.0 - rng.uniform() * (1.0 - tail), -1.0 / kSlope);
    add(x, y, flux);
  }
  for (double flux : kSaturatingAdu) {
    const double x = rng.uniform(0.15, 0.85) * m_width, y = rng.uniform(0.15, 0.85) * m_height;
    add(x, y, flux);
  }
  std::stable_sort(m_stars.begin(), m_stars.end(),
                   [](const Star& a, const Star& b) { return a.rate > b.rate; });
}

std::vector<float> SkyModel::render(const FrameView& view, std::size_t width,
                                    std::size_t height) const {
  std::vector<float> out(width * height);
  const Affine2 to_reference = view.reference_to_frame.inverse();
  const FrameView v = view;
#pragma omp parallel for schedule(static) default(none) shared(out) \
    firstprivate(width, height, to_reference, v)
  for (std::size_t y = 0; y < height; ++y) {
    for (std::size_t x = 0; x < width; ++x) {
      const Point p = to_reference.apply({static_cast<double>(x), static_cast<double>(y)});
      const int c = v.layout.at(x, y);
      const double rate =
          v.sky_factor * background(c, p.x, p.y) + v.transparency * nebula(c, p.x, p.y);
      out[y * width + x] = static_cast<float>(v.exposure_s * rate);
    }
  }
  for (const Star& star : m_stars) {
    const Point p = view.reference_to_frame.apply({star.x, star.y});
    add_star(out.data(), width, height, p.x, p.y, star.rate * view.exposure_s * view.transparency,
             star.colour, view.layout, view.psf);
  }
  return out;
}

}  // namespace astropack::simulate
