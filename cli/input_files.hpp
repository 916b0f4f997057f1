// SPDX-License-Identifier: GPL-3.0-or-later
// Command arguments that name frames: files, or folders whose images are taken
// in natural order.
#pragma once

#include <filesystem>
#include <vector>

namespace astropack::cli {

std::vector<std::filesystem::path> expand_inputs(const std::vector<std::filesystem::path>& args);

}  // namespace astropack::cli
