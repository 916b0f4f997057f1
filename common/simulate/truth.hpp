// SPDX-License-Identifier: GPL-3.0-or-later
// The ground truth of a simulated session, written beside its frames in
// DIR/truth/: noise-free masters, the noise-free reference sky, and tables of
// stars, frame motions and defects, with a README that explains them.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "artefacts.hpp"
#include "camera_model.hpp"
#include "frame_transforms.hpp"
#include "optics.hpp"
#include "psf.hpp"
#include "sky_model.hpp"

namespace astropack::simulate {

struct LightRecord {
  int number = 0;
  std::string file;  // relative to the session folder
  std::string date_obs;
  FrameMotion motion;
  Psf psf;
  double transparency = 1.0;
  double sky_factor = 1.0;
  bool blurred = false, trailed = false, satellite = false;
  SatelliteTrail trail;
};

struct CosmicRecord {
  std::string file;  // relative to the session folder
  CosmicRay ray;
};

struct SessionTruth {
  const SimulationPlan* plan = nullptr;
  const CameraModel* camera = nullptr;
  const Optics* optics = nullptr;
  const SkyModel* sky = nullptr;
  std::vector<LightRecord> lights;
  std::vector<CosmicRecord> cosmic_rays;
};

// The reference light's view of the sky (frame 1: no motion, no defects).
FrameView reference_view(const SessionTruth& truth, ChannelLayout layout);

// Writes every truth file into `folder` (which must exist).
void write_truth(const std::filesystem::path& folder, const SessionTruth& truth);

}  // namespace astropack::simulate
