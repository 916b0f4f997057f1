// SPDX-License-Identifier: GPL-3.0-or-later
// Reads any image file astropack understands, chosen by its content and name.
#pragma once

#include <filesystem>
#include <string_view>

#include "astropack/image.hpp"

namespace astropack {

enum class ImageFormat { Fits, Tiff, CameraRaw, Unknown };

ImageFormat guess_image_format(const std::filesystem::path& file);
std::string_view to_string(ImageFormat format) noexcept;

// Throws Error naming the file when it is missing, unreadable or not an image.
Image read_image(const std::filesystem::path& file);

}  // namespace astropack
