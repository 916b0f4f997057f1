// SPDX-License-Identifier: GPL-3.0-or-later
// Planar float images in FITS storage order, as Siril keeps them: row 0 is the
// first stored row, values normalised so that 16-bit ADU / 65535 lies in 0..1.
// Negatives and values above 1 are legal and are never clamped here.
#pragma once

#include <cstddef>
#include <type_traits>
#include <vector>

#include "astropack/header.hpp"

namespace astropack {

// A non-owning window on planar float pixels: a band of rows, one channel,
// or a whole image. Strides are in samples.
template <typename T>
class BasicImageView {
 public:
  BasicImageView() = default;
  BasicImageView(T* data, std::size_t width, std::size_t height, std::size_t channels,
                 std::size_t row_stride, std::size_t plane_stride)
      : m_data(data), m_width(width), m_height(height), m_channels(channels),
        m_row_stride(row_stride), m_plane_stride(plane_stride) {}

  // A const view converts from a mutable one.
  template <typename U, typename = std::enable_if_t<std::is_same_v<T, const U>>>
  BasicImageView(const BasicImageView<U>& other)
      : m_data(other.data()), m_width(other.width()), m_height(other.height()),
        m_channels(other.channels()), m_row_stride(other.row_stride()),
        m_plane_stride(other.plane_stride()) {}

  std::size_t width() const noexcept { return m_width; }
  std::size_t height() const noexcept { return m_height; }
  std::size_t channels() const noexcept { return m_channels; }
  std::size_t row_stride() const noexcept { return m_row_stride; }
  std::size_t plane_stride() const noexcept { return m_plane_stride; }
  std::size_t pixel_count() const noexcept { return m_width * m_height; }
  bool empty() const noexcept { return m_width == 0 || m_height == 0 || m_channels == 0; }
  T* data() const noexcept { return m_data; }

  T* row(std::size_t channel, std::size_t y) const noexcept {
    return m_data + channel * m_plane_stride + y * m_row_stride;
  }
  T& at(std::size_t channel, std::size_t y, std::size_t x) const noexcept {
    return row(channel, y)[x];
  }

  // Rows [first_row, first_row + rows) of every channel.
  BasicImageView band(std::size_t first_row, std::size_t rows) const noexcept {
    return {m_data + first_row * m_row_stride, m_width, rows, m_channels, m_row_stride,
            m_plane_stride};
  }
  // One channel as a one-channel view.
  BasicImageView plane(std::size_t channel) const noexcept {
    return {m_data + channel * m_plane_stride, m_width, m_height, 1, m_row_stride,
            m_plane_stride};
  }

 private:
  T* m_data = nullptr;
  std::size_t m_width = 0, m_height = 0, m_channels = 0;
  std::size_t m_row_stride = 0, m_plane_stride = 0;
};

using ImageView = BasicImageView<float>;
using ConstImageView = BasicImageView<const float>;

// An owning image: contiguous planes of width x height floats, plus its header.
class Image {
 public:
  Image() = default;
  Image(std::size_t width, std::size_t height, std::size_t channels, float fill = 0.0f);

  std::size_t width() const noexcept { return m_width; }
  std::size_t height() const noexcept { return m_height; }
  std::size_t channels() const noexcept { return m_channels; }
  std::size_t pixel_count() const noexcept { return m_width * m_height; }
  bool empty() const noexcept { return m_pixels.empty(); }

  float* plane(std::size_t channel) noexcept { return m_pixels.data() + channel * pixel_count(); }
  const float* plane(std::size_t channel) const noexcept {
    return m_pixels.data() + channel * pixel_count();
  }
  float* row(std::size_t channel, std::size_t y) noexcept { return plane(channel) + y * m_width; }
  const float* row(std::size_t channel, std::size_t y) const noexcept {
    return plane(channel) + y * m_width;
  }
  float& at(std::size_t channel, std::size_t y, std::size_t x) noexcept {
    return row(channel, y)[x];
  }
  float at(std::size_t channel, std::size_t y, std::size_t x) const noexcept {
    return row(channel, y)[x];
  }

  // All samples, plane after plane.
  std::vector<float>& samples() noexcept { return m_pixels; }
  const std::vector<float>& samples() const noexcept { return m_pixels; }

  ImageView view() noexcept;
  ConstImageView view() const noexcept;

  Header& header() noexcept { return m_header; }
  const Header& header() const noexcept { return m_header; }

 private:
  std::size_t m_width = 0, m_height = 0, m_channels = 0;
  std::vector<float> m_pixels;
  Header m_header;
};

}  // namespace astropack
