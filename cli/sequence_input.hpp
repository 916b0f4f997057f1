// SPDX-License-Identifier: GPL-3.0-or-later
// Frames named on the command line as a Siril sequence sees them: one .seq
// (its frames, in its order), or files and folders that form a numbered set
// in one folder (the .seq there, when it lists exactly those frames, or a new
// one), or plain files that are no sequence at all.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "astropack/seq.hpp"

namespace astropack::cli {

struct SequenceInput {
  std::vector<std::filesystem::path> files;  // the frames, in sequence order when there is one
  std::optional<Sequence> sequence;          // frames in the order of `files`
  std::filesystem::path seq_file;            // where the .seq is read from or goes
  bool existing = false;                     // the .seq was read, not made
  std::string note;  // why a numbered set gets no .seq (another .seq there lists other frames)
};

// The file of frame `index` of a sequence in `folder`: the .seq does not say the
// extension (Siril's setext), so the first of .fit, .fits and .fts that exists.
std::filesystem::path sequence_frame_file(const std::filesystem::path& folder,
                                          const Sequence& sequence, std::size_t index);

// Reads a .seq argument, or expands files and folders (folders in natural order).
// Throws Error for a FITS cube, SER or film sequence, an empty .seq, or no frames.
SequenceInput sequence_input(const std::vector<std::filesystem::path>& args);

}  // namespace astropack::cli
