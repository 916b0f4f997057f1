// SPDX-License-Identifier: GPL-3.0-or-later
// Output names for commands that turn a set of frames into another (calibrate,
// debayer), following Siril: processing keeps the input names behind a prefix,
// so light_00001.fit becomes pp_light_00001.fit in the sequence pp_light_.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "astropack/seq.hpp"

namespace astropack::cli {

struct OutputNames {
  std::vector<std::filesystem::path> files;  // one per input, in input order, in the folder
  Sequence sequence;                          // the set as a Siril sequence
  bool is_sequence = false;  // false: the inputs were not numbered alike and were not renumbered
  bool renumbered = false;   // true: the inputs were numbered 1..N
};

// When every input name is <base><digits> with one common base, distinct
// numbers and digit runs Siril can rebuild (one length when zero-padded), the
// outputs are <prefix><input stem>.fit and the sequence is <prefix><base>,
// numbers kept. Otherwise, with `renumber`, they are <prefix><fallback>NNNNN.fit
// numbered from 1 in input order (Siril's 5 digits); without it, <prefix><stem>.fit
// and no sequence. Throws Error(InvalidArgument) when two outputs would collide.
OutputNames output_names(const std::vector<std::filesystem::path>& inputs,
                         const std::string& prefix, const std::filesystem::path& folder,
                         bool renumber, const std::string& fallback = "light_");

// Creates the output folder if needed; throws when it is a file or cannot be made.
void prepare_output_folder(const std::filesystem::path& folder);

// Checks a --prefix: letters, digits, '_', '-', '.', or empty.
void check_name_prefix(const std::string& prefix);

}  // namespace astropack::cli
