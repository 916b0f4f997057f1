// SPDX-License-Identifier: GPL-3.0-or-later
// The sky above the session, fixed in reference-frame coordinates: a linear
// light-pollution gradient, a faint emission nebula (Ha blobs and filaments
// with a mottled texture, a more compact OIII core) and a star catalogue with
// Moffat images, colours and a power-law brightness distribution (a few stars
// bright enough to saturate). Fluxes are photo-electrons per second in
// calibrated units (before the camera's response).
#pragma once

#include <cstddef>
#include <vector>

#include "astropack/simulate.hpp"
#include "frame_transforms.hpp"
#include "psf.hpp"

namespace astropack::simulate {

struct Star {
  double x = 0.0, y = 0.0;        // reference-frame stored pixel coordinates
  double rate = 0.0;              // e-/s (total over the profile)
  double colour[3] = {1, 1, 1};   // factor per R, G, B site (1, 1, 1 for mono)
  double temperature_k = 5800.0;  // what the colour was made from
};

// How one frame sees the sky.
struct FrameView {
  Affine2 reference_to_frame;
  Psf psf;
  double exposure_s = 0.0;
  double transparency = 1.0;  // multiplies stars and nebula
  double sky_factor = 1.0;    // multiplies the background
  ChannelLayout layout;
};

class SkyModel {
 public:
  // `margin`: how far beyond the reference frame the sky must exist (dithers).
  SkyModel(const SimulationPlan& plan, double margin);

  int channels() const noexcept { return m_channels; }
  const std::vector<Star>& stars() const noexcept { return m_stars; }

  // Background in e-/s at reference coordinates.
  double background(int channel, double x, double y) const noexcept;
  // Nebula in e-/s at reference coordinates (bilinear in a grid one pixel apart).
  double nebula(int channel, double x, double y) const noexcept;

  // Photo-electrons of a width x height frame in calibrated units, noise free.
  std::vector<float> render(const FrameView& view, std::size_t width, std::size_t height) const;

 private:
  void make_nebula(const SimulationPlan& plan);
  void make_stars(const SimulationPlan& plan);

  int m_channels = 1;
  double m_width = 0.0, m_height = 0.0;
  double m_margin = 0.0;
  double m_background[3] = {0, 0, 0};
  double m_gradient = 0.0, m_gradient_cos = 1.0, m_gradient_sin = 0.0;
  // Nebula grids over [-margin, width - 1 + margin] x [-margin, height - 1 + margin].
  std::size_t m_grid_width = 0, m_grid_height = 0;
  std::vector<float> m_nebula[3];
  std::vector<Star> m_stars;
};

}  // namespace astropack::simulate
