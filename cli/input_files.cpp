// SPDX-License-Identifier: GPL-3.0-or-later
#include "input_files.hpp"

#include "astropack/error.hpp"
#include "astropack/master_frame.hpp"

namespace astropack::cli {

std::vector<std::filesystem::path> expand_inputs(const std::vector<std::filesystem::path>& args) {
  std::vector<std::filesystem::path> files;
  for (const auto& arg : args) {
    std::error_code ec;
    if (std::filesystem::is_directory(arg, ec)) {
      auto found = image_files_in(arg);
      if (found.empty())
        throw Error(ErrorKind::InvalidInput, arg, "contains no FITS, TIFF or camera raw images.");
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(arg);
    }
  }
  return files;
}

}  // namespace astropack::cli
