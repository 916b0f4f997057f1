// SPDX-License-Identifier: GPL-3.0-or-later
// What a capture program leaves on disk: the folder per frame type, file names
// in the style of common capture software (type, target, exposure, binning,
// filter, gain, temperature, sequence number), the FITS header cards it writes
// and the observation times (exposure plus a dead time between frames).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "astropack/header.hpp"
#include "astropack/simulate.hpp"

namespace astropack::simulate {

enum class FrameKind { Bias, Dark, Flat, DarkFlat, Light };

inline constexpr FrameKind kFrameKinds[] = {FrameKind::Bias, FrameKind::Dark, FrameKind::Flat,
                                            FrameKind::DarkFlat, FrameKind::Light};

std::string_view folder_name(FrameKind kind) noexcept;  // "biases", "darks", ...
int frame_count(const SimulationPlan& plan, FrameKind kind) noexcept;
double exposure_of(const SimulationPlan& plan, FrameKind kind) noexcept;

// "Light_SimNebula_120s_Bin1_L_gain100_-10C_0001.fit"; `number` is 1-based.
std::string frame_file_name(const SimulationPlan& plan, FrameKind kind, int number);

// DATE-OBS of a frame, ISO 8601 UTC with milliseconds.
std::string observation_time(const SimulationPlan& plan, FrameKind kind, int number);

// Seconds since 1970-01-01T00:00:00 UTC as ISO 8601 with milliseconds.
std::string format_utc(double unix_seconds);

// The cards a capture program writes for this frame (no pixels, no structure).
Header frame_header(const SimulationPlan& plan, FrameKind kind, int number);

// A number as short text: 120 -> "120", 0.001 -> "0.001", 2.5 -> "2.5".
std::string short_number(double value);

}  // namespace astropack::simulate
