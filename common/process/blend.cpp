// SPDX-License-Identifier: GPL-3.0-or-later
// Blend modes with GIMP 2.10's spaces; see blend.hpp for the table and its source.
#include "astropack/blend.hpp"

#include <algorithm>
#include <string>

#include "astropack/error.hpp"
#include "describe_number.hpp"

namespace astropack {

BlendMode parse_blend_mode(std::string_view name) {
  if (name == "normal") return BlendMode::Normal;
  if (name == "lighten-only" || name == "lighten") return BlendMode::LightenOnly;
  if (name == "screen") return BlendMode::Screen;
  if (name == "addition" || name == "add") return BlendMode::Addition;
  if (name == "multiply") return BlendMode::Multiply;
  std::string sentence = "unknown blend mode '";
  sentence.append(name).append("'; use normal, lighten-only, screen, addition or multiply.");
  throw Error(ErrorKind::InvalidArgument, sentence);
}

std::string_view to_string(BlendMode mode) noexcept {
  switch (mode) {
    case BlendMode::Normal:
      return "normal";
    case BlendMode::LightenOnly:
      return "lighten-only";
    case BlendMode::Screen:
      return "screen";
    case BlendMode::Addition:
      return "addition";
    case BlendMode::Multiply:
      return "multiply";
  }
  return "normal";
}

Trc blend_space(BlendMode mode) noexcept {
  return mode == BlendMode::Screen ? Trc::Perceptual : Trc::Linear;
}

void BlendParams::validate() const {
  if (!(opacity >= 0.0 && opacity <= 1.0))
    throw Error(ErrorKind::InvalidArgument,
                "the layer opacity must be between 0 and 1 (0 to 100 %).");
}

namespace {

float blend_function(BlendMode mode, float a, float b) noexcept {
  switch (mode) {
    case BlendMode::Normal:
      return b;
    case BlendMode::LightenOnly:
      return std::max(a, b);
    case BlendMode::Screen:
      return 1.0f - (1.0f - a) * (1.0f - b);
    case BlendMode::Addition:
      return a + b;
    case BlendMode::Multiply:
      return a * b;
  }
  return b;
}

}  // namespace

float blend_sample(float backdrop, float layer, const BlendParams& p) noexcept {
  if (p.opacity == 0.0) return backdrop;  // exactly, without a trip through linear light
  const Trc space = blend_space(p.mode);
  const float a = convert_trc(backdrop, p.storage, space);
  const float b = convert_trc(layer, p.storage, space);
  // The result of f is composited with the backdrop in linear light.
  const float f = convert_trc(blend_function(p.mode, a, b), space, Trc::Linear);
  const float in = convert_trc(backdrop, p.storage, Trc::Linear);
  const float opacity = static_cast<float>(p.opacity);
  const float out = in + opacity * (f - in);
  return convert_trc(out, Trc::Linear, p.storage);
}

void blend(ImageView backdrop, ConstImageView layer, const BlendParams& params) {
  params.validate();
  if (backdrop.width() != layer.width() || backdrop.height() != layer.height())
    throw Error(ErrorKind::InvalidArgument,
                "the layer and the image it is blended onto must have the same size.");
  const std::size_t channels = backdrop.channels();
  if (channels != 1 && channels != 3)
    throw Error(ErrorKind::InvalidArgument, "blending needs grey or RGB images.");
  if (layer.channels() != channels && !(layer.channels() == 1 && channels == 3))
    throw Error(
        ErrorKind::InvalidArgument,
        "an RGB layer cannot be blended onto a grey image; convert the image to RGB first.");
  const long height = static_cast<long>(backdrop.height());
  const std::size_t width = backdrop.width();
  const bool grey_layer = layer.channels() == 1;
#pragma omp parallel for schedule(static) default(none) shared(backdrop, layer, params) \
    firstprivate(height, width, channels, grey_layer) if (backdrop.pixel_count() > 65536)
  for (long y = 0; y < height; ++y) {
    for (std::size_t c = 0; c < channels; ++c) {
      float* out = backdrop.row(c, static_cast<std::size_t>(y));
      const float* in = layer.row(grey_layer ? 0 : c, static_cast<std::size_t>(y));
      for (std::size_t x = 0; x < width; ++x) out[x] = blend_sample(out[x], in[x], params);
    }
  }
}

std::string describe(const BlendParams& p) {
  using compositing_detail::number_text;
  std::string text = "blend mode=";
  text.append(to_string(p.mode)).append(" opacity=").append(number_text(p.opacity));
  text.append(" trc=").append(to_string(p.storage));
  return text;
}

}  // namespace astropack
