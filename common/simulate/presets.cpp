// SPDX-License-Identifier: GPL-3.0-or-later
// The presets: sizes, frame counts, exposures and the camera they share.
#include <cmath>
#include <string>

#include "astropack/error.hpp"
#include "astropack/simulate.hpp"

namespace astropack {

SimulationPreset parse_simulation_preset(std::string_view name) {
  if (name == "small") return SimulationPreset::Small;
  if (name == "osc") return SimulationPreset::Osc;
  if (name == "large") return SimulationPreset::Large;
  if (name == "undersampled") return SimulationPreset::Undersampled;
  std::string sentence = "unknown simulation preset '";
  sentence.append(name).append("'; use small, osc, large or undersampled.");
  throw Error(ErrorKind::InvalidArgument, sentence);
}

std::string_view to_string(SimulationPreset preset) noexcept {
  switch (preset) {
    case SimulationPreset::Small:
      return "small";
    case SimulationPreset::Osc:
      return "osc";
    case SimulationPreset::Large:
      return "large";
    case SimulationPreset::Undersampled:
      return "undersampled";
  }
  return "small";
}

double SimulatedCamera::dark_current_at(double temperature_c) const noexcept {
  return dark_current_at_0c * std::exp2(temperature_c / dark_doubling_c);
}

SimulationPlan simulation_plan(const SimulationOptions& options) {
  SimulationPlan plan;
  plan.preset = options.preset;
  plan.seed = options.seed;
  plan.camera.telescope = std::string("SimScope 80/480 refractor");
  switch (options.preset) {
    case SimulationPreset::Small:
    case SimulationPreset::Osc:
    case SimulationPreset::Undersampled:
      plan.width = 320;
      plan.height = 240;
      plan.biases = 12;
      plan.darks = 8;
      plan.flats = 8;
      plan.darkflats = 8;
      plan.lights = 10;
      plan.max_dither_px = 6.0;
      plan.stars_per_megapixel = 2300.0;
      plan.cosmic_rays_per_frame = 4.0;
      if (options.preset == SimulationPreset::Undersampled) {
        plan.lights = 20;
        plan.seeing_fwhm_px = 1.2;
      }
      break;
    case SimulationPreset::Large:
      plan.width = 2400;
      plan.height = 1600;
      plan.biases = 16;
      plan.darks = 12;
      plan.flats = 12;
      plan.darkflats = 12;
      plan.lights = 24;
      plan.max_dither_px = 20.0;
      plan.stars_per_megapixel = 1500.0;
      plan.cosmic_rays_per_frame = 12.0;
      break;
  }
  plan.cfa = options.preset == SimulationPreset::Osc;
  // Built as temporaries: GCC 12 warns falsely (-Wrestrict) on assigning literals here.
  plan.filter = std::string(plan.cfa ? "" : "L");
  plan.camera.instrument =
      std::string(plan.cfa ? "SimCam C571 Pro (simulated)" : "SimCam M571 Pro (simulated)");
  // Defects spread through the run, never on the reference frame (frame 1).
  const auto at = [&](double fraction) {
    const int number = static_cast<int>(fraction * plan.lights + 0.5);
    return number < 2 ? 2 : number;
  };
  plan.blurred_light = at(0.4);
  plan.satellite_light = at(0.6);
  plan.trailed_light = at(0.8);
  return plan;
}

}  // namespace astropack
