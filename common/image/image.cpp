// SPDX-License-Identifier: GPL-3.0-or-later
#include "astropack/image.hpp"

#include <cstdint>
#include <limits>

#include "astropack/error.hpp"

#ifdef __linux__
#include <sys/mman.h>
#endif

namespace astropack {

namespace {

// Asks for transparent huge pages under a large pixel buffer, where the system
// grants them on request: first touching hundreds of megabytes 4 KiB at a time
// costs seconds of page faults on some machines (virtual ones above all). A
// hint: failure only costs speed.
void advise_huge_pages([[maybe_unused]] const void* data, [[maybe_unused]] std::size_t bytes) {
#ifdef MADV_HUGEPAGE
  constexpr std::uintptr_t kHugePage = std::uintptr_t{2} << 20;
  const auto first = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t begin = (first + kHugePage - 1) & ~(kHugePage - 1);
  const std::uintptr_t end = (first + bytes) & ~(kHugePage - 1);
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#endif
}

}  // namespace

Image::Image(std::size_t width, std::size_t height, std::size_t channels, float fill)
    : m_width(width), m_height(height), m_channels(channels) {
  if (channels != 1 && channels != 3) {
    throw Error(ErrorKind::Unsupported, "images have 1 or 3 channels, not " +
                                            std::to_string(channels) + ".");
  }
  const std::size_t limit = std::numeric_limits<std::size_t>::max() / sizeof(float) / 3;
  if (width != 0 && height > limit / width) {
    throw Error(ErrorKind::InvalidInput, "the image size is too large to hold in memory.");
  }
  const std::size_t samples = width * height * channels;
  if (samples * sizeof(float) >= (std::size_t{8} << 20)) {
    m_pixels.reserve(samples);  // allocated, not yet touched: the advice comes first
    advise_huge_pages(m_pixels.data(), samples * sizeof(float));
  }
  m_pixels.assign(samples, fill);
}

ImageView Image::view() noexcept {
  return {m_pixels.data(), m_width, m_height, m_channels, m_width, pixel_count()};
}

ConstImageView Image::view() const noexcept {
  return {m_pixels.data(), m_width, m_height, m_channels, m_width, pixel_count()};
}

}  // namespace astropack
