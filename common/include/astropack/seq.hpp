// SPDX-License-Identifier: GPL-3.0-or-later
// Siril sequence files (.seq, version 3: siril-compat.md section 2). A sequence
// is a set of files <name><number><ext> plus a .seq listing them, their
// selection flags and, once registered, their shifts.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "astropack/transform.hpp"

namespace astropack {

// Per-frame registration data of one layer (an R line).
struct SeqRegistration {
  double shift_x = 0.0;  // columns to move the frame by to match the reference
  double shift_y = 0.0;  // stored rows, same sign convention as Siril
  double fwhm = 0.0;
  double weighted_fwhm = 0.0;
  double roundness = 0.0;
  double quality = 0.0;
};

struct SeqFrame {
  int file_number = 0;
  bool included = true;
  // One entry per layer when registration data exist, empty otherwise.
  std::vector<SeqRegistration> registration;
  // The full registration (reference -> frame coordinates) when astropack
  // registered the set; kept in a comment line Siril skips, since a version-3
  // R line can only hold a shift.
  std::optional<Transform> transform;
};

// How the frames are stored (the T line). Only Regular sequences are written
// by astropack; the others are recorded when read so callers can refuse them.
enum class SeqType {
  Regular,   // one file per frame: <name><number><ext>
  FitsCube,  // TF: one FITS file <name><ext> with one image HDU per frame
  Ser,       // TS: a SER video <name>.ser
  Film,      // TA: an AVI or other film
};

struct Sequence {
  std::string name;        // the file-name stem including its separator, e.g. "pp_light_"
  SeqType type = SeqType::Regular;
  int fixed_digits = 5;    // zero padding of the numbers (0 = none)
  int reference = -1;      // index into frames, -1 = unset
  int layers = 1;          // 1 or 3; -1 = unknown
  double upscale = 1.0;    // U line: shifts are multiplied by it when stacking (drizzle x2)
  std::vector<SeqFrame> frames;

  // The lowest file number (the S line's start index), 0 when there are no frames.
  int first_number() const;
  int selected_count() const;
  // File name of frame `index`, with extension `ext` (".fit" by default): the name,
  // then the number zero-padded to fixed_digits. A FitsCube has one file, <name><ext>.
  std::string frame_file_name(std::size_t index, std::string_view ext = ".fit") const;
};

// Writes a version-3 .seq atomically: comments, S, T (non-regular only), U (if not 1),
// L, I lines, then R lines per layer when the frames carry registration data (all
// frames or none, one entry per layer), then one comment line
// "#astropack-H <index> h00 ... h22" per frame with a transform (exact decimal
// text; Siril skips comments). No M lines. Throws Error naming the file.
void write_seq(const std::filesystem::path& file, const Sequence& sequence);
// Parses a .seq of version 3 or older. Later versions are read leniently: their R
// lines give FWHM, roundness and quality, and shifts only where the homography is a
// pure translation (0 otherwise). "#astropack-H" lines give the frames' transforms.
// M, D, O, E and unknown lines are ignored, as are R* lines (CFA data of SER
// files). Throws Error naming the file when it is malformed.
Sequence read_seq(const std::filesystem::path& file);

// The .seq path of a sequence in a folder: <folder>/<name>.seq
std::filesystem::path seq_path(const std::filesystem::path& folder, const std::string& name);

}  // namespace astropack
