// SPDX-License-Identifier: GPL-3.0-or-later
// Master calibration frames: bias, dark, flat and dark-flat, integrated with
// the defaults practitioners use. Rejection by frame count (percentile below
// 7 frames, averaged sigma to 14, winsorized sigma to 24, linear fit from 25),
// average combination, equal weights; no normalisation for bias and darks,
// multiplicative for flats, which are first corrected by a master dark-flat,
// a master bias or a constant offset.
#pragma once

#include <filesystem>
#include <optional>
#include <vector>

#include "astropack/integration.hpp"
#include "astropack/master_inputs.hpp"

namespace astropack {

struct MasterOptions {
  MasterType type = MasterType::Bias;
  IntegrationOptions integration;
  bool auto_rejection = true;  // choose the method (and its thresholds) by frame count
  // Flats only: what is subtracted from every flat before integrating.
  std::filesystem::path bias;
  std::filesystem::path darkflat;
  std::optional<double> offset;  // normalised units (ADU / 65535)
  bool strict = false;           // mismatched inputs are an error, not a warning
};

MasterOptions default_master_options(MasterType type);

struct MasterResult {
  IntegrationResult integration;             // .image is the master, header complete
  std::vector<InputMismatch> mismatches;     // reported as warnings unless strict
  RejectionParams rejection;                 // what was used
};

// Throws Error naming the odd file for size or CFA mismatches, and for
// property mismatches when strict.
MasterResult make_master(std::vector<std::filesystem::path> files, const MasterOptions& options,
                         Progress& progress);

// FITS, TIFF and camera raw files in a folder, in natural order (IMG_9 before IMG_10).
std::vector<std::filesystem::path> image_files_in(const std::filesystem::path& folder);

// Orders file names as people do: digit runs compare as numbers.
bool natural_less(const std::string& a, const std::string& b);

}  // namespace astropack
