// SPDX-License-Identifier: GPL-3.0-or-later
#include "camera_model.hpp"

#include <algorithm>
#include <cmath>

#include "astropack/cfa.hpp"
#include "random.hpp"

namespace astropack::simulate {

namespace {

// Sub-streams of Stream::Camera.
enum : std::uint64_t { kBiasPattern = 1, kDarkMap = 2, kDefects = 3, kPrnu = 4 };

// Relative response of each Bayer colour to the flat panel's light.
constexpr double kPanelColour[3] = {0.82, 1.0, 0.70};

}  // namespace

CameraModel::CameraModel(const SimulationPlan& plan, std::span<const float> illumination)
    : m_camera(plan.camera), m_width(plan.width), m_height(plan.height) {
  const std::size_t n = m_width * m_height;
  const double w = static_cast<double>(m_width), h = static_cast<double>(m_height);

  // Bias: offset plus fixed row and column offsets.
  {
    Rng rng(stream_key(plan.seed, Stream::Camera, kBiasPattern));
    std::vector<double> rows(m_height), columns(m_width);
    for (double& r : rows) r = rng.normal(0.0, m_camera.row_pattern_adu);
    for (double& c : columns) c = rng.normal(0.0, m_camera.column_pattern_adu);
    m_bias.resize(n);
    for (std::size_t y = 0; y < m_height; ++y)
      for (std::size_t x = 0; x < m_width; ++x)
        m_bias[y * m_width + x] = static_cast<float>(m_camera.bias_adu + rows[y] + columns[x]);
  }

  // Dark current with its pixel-to-pixel spread (never negative).
  const double dark = m_camera.dark_current_at(m_camera.set_temperature_c);
  {
    Rng rng(stream_key(plan.seed, Stream::Camera, kDarkMap));
    m_dark.resize(n);
    for (float& d : m_dark)
      d = static_cast<float>(dark *
                             std::max(0.0, 1.0 + m_camera.dark_non_uniformity * rng.normal()));
  }

  // Hot and warm pixels at distinct random places, rates log-uniform in their ranges.
  {
    Rng rng(stream_key(plan.seed, Stream::Camera, kDefects));
    const auto hot =
        static_cast<std::size_t>(std::llround(m_camera.hot_pixel_fraction * double(n)));
    const auto warm =
        static_cast<std::size_t>(std::llround(m_camera.warm_pixel_fraction * double(n)));
    std::vector<bool> taken(n, false);
    for (std::size_t i = 0; i < hot + warm; ++i) {
      std::size_t index = rng.below(n);
      while (taken[index]) index = rng.below(n);
      taken[index] = true;
      DefectPixel pixel;
      pixel.x = index % m_width;
      pixel.y = index / m_width;
      pixel.hot = i < hot;
      pixel.rate_e_per_s = pixel.hot ? std::exp(rng.uniform(std::log(20.0), std::log(150.0)))
                                     : std::exp(rng.uniform(std::log(0.5), std::log(4.0)));
      m_dark[index] = static_cast<float>(pixel.rate_e_per_s);
      m_defects.push_back(pixel);
    }
    std::sort(m_defects.begin(), m_defects.end(), [](const DefectPixel& a, const DefectPixel& b) {
      return a.y != b.y ? a.y < b.y : a.x < b.x;
    });
  }

  // Amplifier glow from the corner (width - 1, 0).
  {
    const double scale = m_camera.amp_glow_scale * std::hypot(w, h);
    m_glow.resize(n);
    for (std::size_t y = 0; y < m_height; ++y)
      for (std::size_t x = 0; x < m_width; ++x) {
        const double distance =
            std::hypot(w - 1.0 - static_cast<double>(x), static_cast<double>(y));
        m_glow[y * m_width + x] =
            static_cast<float>(m_camera.amp_glow_e_per_s * std::exp(-distance / scale));
      }
  }

  // Response: illumination x PRNU (x panel colour on a Bayer sensor), mean 1.
  {
    Rng rng(stream_key(plan.seed, Stream::Camera, kPrnu));
    std::vector<double> response(n);
    double sum = 0.0;
    for (std::size_t y = 0; y < m_height; ++y)
      for (std::size_t x = 0; x < m_width; ++x) {
        double value = illumination[y * m_width + x] * (1.0 + m_camera.prnu * rng.normal());
        if (plan.cfa) value *= kPanelColour[static_cast<int>(cfa_color(CfaPattern::RGGB, y, x))];
        response[y * m_width + x] = value;
        sum += value;
      }
    const double mean = sum / static_cast<double>(n);
    m_response.resize(n);
    for (std::size_t i = 0; i < n; ++i) m_response[i] = static_cast<float>(response[i] / mean);
  }
}

std::vector<double> CameraModel::mean_dark_adu(double exposure_s) const {
  std::vector<double> dark(m_bias.size());
  for (std::size_t i = 0; i < dark.size(); ++i)
    dark[i] = m_bias[i] +
              exposure_s * (double(m_dark[i]) + double(m_glow[i])) / m_camera.electrons_per_adu;
  return dark;
}

Image CameraModel::expose(const ExposureRequest& request) const {
  Image frame(m_width, m_height, 1);
  const double gain = m_camera.electrons_per_adu;
  const double read_noise_adu = m_camera.read_noise_e / gain;
  const double thermal =
      std::exp2((request.temperature_c - m_camera.set_temperature_c) / m_camera.dark_doubling_c);
  const double t = request.exposure_s;

  // Cosmic-ray charge per pixel, added after the shot noise (it is not Poisson light).
  std::vector<float> deposited;
  if (!request.deposits.empty()) {
    deposited.assign(m_width * m_height, 0.0f);
    for (const Deposit& d : request.deposits)
      if (d.x < m_width && d.y < m_height) deposited[d.y * m_width + d.x] += float(d.electrons);
  }

  float* out = frame.plane(0);
  const std::size_t width = m_width, height = m_height;
  const bool has_signal = !request.signal.empty();
  const std::span<const float> signal = request.signal;
  const double uniform_signal = request.uniform_signal;
  const std::uint64_t key = request.noise_key;
  const float* response = m_response.data();
  const float* dark = m_dark.data();
  const float* glow = m_glow.data();
  const float* bias = m_bias.data();
#pragma omp parallel for schedule(static) default(none) shared(deposited, signal)               \
    firstprivate(out, response, dark, glow, bias, width, height, has_signal, uniform_signal, t, \
                 thermal, gain, read_noise_adu, key)
  for (std::size_t y = 0; y < height; ++y) {
    Rng rng(stream_key(key, Stream::Pixels, y));
    for (std::size_t x = 0; x < width; ++x) {
      const std::size_t i = y * width + x;
      const double light = (has_signal ? double(signal[i]) : 0.0) + uniform_signal;
      const double mean_e = light * response[i] + t * (dark[i] * thermal + glow[i]);
      double electrons = rng.poisson(mean_e);
      if (!deposited.empty()) electrons += deposited[i];
      const double adu = electrons / gain + bias[i] + read_noise_adu * rng.normal();
      const double level = std::clamp(std::floor(adu + 0.5), 0.0, 65535.0);
      out[i] = static_cast<float>(level / 65535.0);
    }
  }
  return frame;
}

}  // namespace astropack::simulate
