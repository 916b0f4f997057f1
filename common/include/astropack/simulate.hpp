// SPDX-License-Identifier: GPL-3.0-or-later
// Deterministic synthetic observing sessions: camera-style 16-bit FITS frames
// in the folder layout people use, with the physics of a real camera and sky,
// plus the ground truth tests score results against. Same preset and seed,
// same bytes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "astropack/progress.hpp"

namespace astropack {

enum class SimulationPreset {
  Small,  // mono, small frames: fast enough for unit tests
  Osc,    // one-shot colour (RGGB Bayer) camera
  Large,  // mono, full-size frames for benchmarks
};

struct SimulationOptions {
  SimulationPreset preset = SimulationPreset::Small;
  std::uint64_t seed = 1;
};

struct SimulationSummary {
  std::filesystem::path folder;
  int biases = 0, darks = 0, flats = 0, darkflats = 0, lights = 0;
  std::size_t width = 0, height = 0;
  bool cfa = false;
};

SimulationPreset parse_simulation_preset(std::string_view name);  // throws on unknown
std::string_view to_string(SimulationPreset preset) noexcept;

// Writes biases/, darks/, flats/, lights/ and truth/ into `folder` (created if
// needed). Throws Error naming the folder if it cannot be written.
SimulationSummary simulate_session(const std::filesystem::path& folder,
                                   const SimulationOptions& options,
                                   Progress& progress);

}  // namespace astropack
