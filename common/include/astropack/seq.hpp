// SPDX-License-Identifier: GPL-3.0-or-later
// Siril sequence files (.seq, version 3: siril-compat.md section 2). A sequence
// is a set of files <name><number><ext> plus a .seq listing them, their
// selection flags and, once registered, their shifts.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

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
};

struct Sequence {
  std::string name;        // the file-name stem including its separator, e.g. "pp_light_"
  int fixed_digits = 5;    // zero padding of the numbers (0 = none)
  int reference = -1;      // index into frames, -1 = unset
  int layers = 1;          // 1 or 3; -1 = unknown
  std::vector<SeqFrame> frames;

  int first_number() const;
  int selected_count() const;
  // File name of frame `index`, with extension `ext` (".fit" by default).
  std::string frame_file_name(std::size_t index, std::string_view ext = ".fit") const;
};

// Writes <folder>/<name>.seq atomically. Throws Error naming the file.
void write_seq(const std::filesystem::path& file, const Sequence& sequence);
// Parses a version-3 (and, reading only, version-4 shift-free) .seq file.
Sequence read_seq(const std::filesystem::path& file);

// The .seq path of a sequence in a folder: <folder>/<name>.seq
std::filesystem::path seq_path(const std::filesystem::path& folder, const std::string& name);

}  // namespace astropack
