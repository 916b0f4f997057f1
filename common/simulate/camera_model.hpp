// SPDX-License-Identifier: GPL-3.0-or-later
// The sensor: fixed maps drawn once per session (bias with row and column
// pattern, dark current with its non-uniformity, hot and warm pixels, amplifier
// glow, PRNU folded into the normalised response) and the exposure of one frame
// from a photo-electron image (photon and dark shot noise, cosmic-ray charge,
// read noise, 16-bit quantisation and clipping).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "astropack/image.hpp"
#include "astropack/simulate.hpp"

namespace astropack::simulate {

struct DefectPixel {
  std::size_t x = 0, y = 0;
  double rate_e_per_s = 0.0;  // at the set temperature
  bool hot = false;           // hot (true) or warm (false)
};

// Charge put straight into one pixel (cosmic rays).
struct Deposit {
  std::size_t x = 0, y = 0;
  double electrons = 0.0;
};

struct ExposureRequest {
  double exposure_s = 0.0;
  double temperature_c = 0.0;
  // Photo-electrons per pixel in calibrated units (before the response), or empty.
  std::span<const float> signal;
  double uniform_signal = 0.0;  // added to every pixel, calibrated photo-electrons
  std::span<const Deposit> deposits;
  std::uint64_t noise_key = 0;  // names this frame's random streams
};

class CameraModel {
 public:
  // `illumination` (width x height) comes from the optics.
  CameraModel(const SimulationPlan& plan, std::span<const float> illumination);

  std::size_t width() const noexcept { return m_width; }
  std::size_t height() const noexcept { return m_height; }
  double gain() const noexcept { return m_camera.electrons_per_adu; }

  // Noise-free maps, width x height, row after row.
  const std::vector<float>& bias_adu() const noexcept { return m_bias; }
  const std::vector<float>& dark_rate() const noexcept { return m_dark; }     // e-/s, set temp
  const std::vector<float>& glow_rate() const noexcept { return m_glow; }     // e-/s
  const std::vector<float>& response() const noexcept { return m_response; }  // mean 1
  const std::vector<DefectPixel>& defects() const noexcept { return m_defects; }

  // Noise-free dark frame (bias included) in ADU at an exposure, set temperature.
  std::vector<double> mean_dark_adu(double exposure_s) const;

  // One frame, normalised (ADU / 65535) as a one-channel image without header.
  // Rows are drawn in parallel, each from its own stream.
  Image expose(const ExposureRequest& request) const;

 private:
  SimulatedCamera m_camera;
  std::size_t m_width = 0, m_height = 0;
  std::vector<float> m_bias, m_dark, m_glow, m_response;
  std::vector<DefectPixel> m_defects;
};

}  // namespace astropack::simulate
