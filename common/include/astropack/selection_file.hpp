// SPDX-License-Identifier: GPL-3.0-or-later
// The selection file: what `astropack select` decided, as JSON for the commands
// that follow (`astropack stack` reads the weights and the reference, the
// pipeline report the metrics) and as CSV for people and spreadsheets.
//
// JSON, one object:
//   { "format": "astropack-selection", "version": 1,
//     "expression": "fwhm > 1.5 * median(fwhm) || ...", "weighting": "snr",
//     "reference": "lights/light_00003.fit", "reference_index": 2,   (null and -1: none)
//     "frames": [ { "file": "lights/light_00001.fit", "kept": true, "reason": "",
//                   "weight": 1.04, "relative_weight": 1.01,
//                   "stars": 57, "detected": 80, "fitted": 50,
//                   "fwhm": 2.81, "fwhm_arcsec": 4.54, "arcsec_per_px": 1.616,
//                   "eccentricity": 0.08, "star_eccentricity": 0.24, "roundness": 0.997,
//                   "background": 0.0305, "noise": 0.00152, "snr": 2.40,
//                   "snr_weight": 5.76, "psf_weight": 3318.0, "cfa": false }, ... ] }
// "weight" is the stacking weight (mean 1 over the kept frames, 0 when rejected);
// "relative_weight" the same measure over every measured frame, before selection;
// "reason" says why a frame was rejected. Units as in FrameQuality. File names are
// written relative to the JSON file's folder (absolute when that is not possible) and
// read back relative to it.
#pragma once

#include <filesystem>

#include "astropack/frame_selection.hpp"

namespace astropack {

// Both write atomically (temporary file + rename); throw Error(Unwritable) naming the file.
void write_selection_json(const std::filesystem::path& file, const FrameSelection& selection);
// Columns: index, file, kept, weight, the metrics of the JSON, reason.
void write_selection_csv(const std::filesystem::path& file, const FrameSelection& selection);

// Throws Error naming the file when it is missing, unreadable, not JSON or not a
// selection file (saying which field is wrong).
FrameSelection read_selection_json(const std::filesystem::path& file);

// The frame of `selection` that is `file`: the same path (both made absolute and
// normal), else the only frame with the same file name; nullptr when there is none.
const SelectedFrame* find_selected(const FrameSelection& selection,
                                   const std::filesystem::path& file);

}  // namespace astropack
