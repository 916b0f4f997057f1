// SPDX-License-Identifier: GPL-3.0-or-later
// Reading inputs and writing outputs the same way in every post-processing
// command: FITS or TIFF in; 32-bit float FITS (or TIFF by extension) out,
// written atomically, never over an input, with the header kept and one
// HISTORY card saying what was done.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "astropack/error.hpp"
#include "astropack/image.hpp"

namespace astropack::cli {

Image read_input(const std::filesystem::path& file);

// Refuses `output` when it is one of `inputs`; checks its folder is writable.
void check_output(const std::filesystem::path& output,
                  std::span<const std::filesystem::path> inputs);

// Adds "astropack <what>" as HISTORY and writes FITS float, or float TIFF for
// a .tif/.tiff name.
void write_output(const std::filesystem::path& output, Image& image, std::string_view what,
                  std::span<const std::filesystem::path> inputs);

// Runs fn(); an Error that names no file is given `file`, so the one-line
// message tells the user which input the problem concerns.
template <typename Fn>
auto about_file(const std::filesystem::path& file, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const Error& e) {
    if (!e.file().empty()) throw;
    throw Error(e.kind(), file, e.sentence());
  }
}

}  // namespace astropack::cli
