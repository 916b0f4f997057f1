// SPDX-License-Identifier: GPL-3.0-or-later
// What a master calibration frame is made of, and whether its frames belong
// together. Mixing exposures, gains or temperatures in one master is a common
// mistake with a silent, ugly result; astropack names the odd files.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "astropack/frame_set.hpp"
#include "astropack/header.hpp"

namespace astropack {

enum class MasterType { Bias, Dark, Flat, DarkFlat };

MasterType parse_master_type(std::string_view name);  // bias|dark|flat|darkflat
std::string_view to_string(MasterType type) noexcept;  // "bias", ...
std::string_view image_type_keyword(MasterType type) noexcept;  // "Master Bias", ...

// Darks and dark-flats are matched on temperature within this many degrees.
inline constexpr double kDarkTemperatureTolerance = 5.0;

struct InputMismatch {
  std::string property;                    // "exposure", "gain", "temperature", ...
  std::string expected;                    // the value most frames have, as text
  std::vector<std::filesystem::path> odd;  // the frames that differ (file names; index for images)
};

// Exposure, gain, ISO, offset and binning must agree for every type; the
// temperature (within the tolerance) for darks and dark-flats; the filter for flats.
std::vector<InputMismatch> find_input_mismatches(MasterType type, const FrameSet& frames);

// One sentence: "frames differ in exposure (most are 120 s): a.fit, b.fit".
std::string describe(const InputMismatch& mismatch);

}  // namespace astropack
