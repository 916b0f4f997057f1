// SPDX-License-Identifier: GPL-3.0-or-later
#include "host.hpp"

#include <babl/babl.h>
#include <gegl.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "astropack/error.hpp"
#include "i18n.hpp"

namespace astropack::gimp {

namespace {

struct BufferUnref {
  void operator()(GeglBuffer* buffer) const noexcept { g_object_unref(buffer); }
};
using BufferPtr = std::unique_ptr<GeglBuffer, BufferUnref>;

BufferPtr checked(GeglBuffer* buffer) {
  if (buffer == nullptr)
    throw Error(ErrorKind::Internal, _("GIMP did not hand over the pixels of the layer."));
  return BufferPtr(buffer);
}

// Rows moved per GEGL call: whole tiles, a few MB at most, so a large image is
// never held twice.
gint strip_rows(gint width, std::size_t samples_per_pixel) {
  const std::size_t budget = std::size_t{4} << 20;  // samples
  const auto tile = static_cast<std::size_t>(std::max(1, static_cast<int>(gimp_tile_height())));
  const std::size_t per_row = std::max<std::size_t>(1, std::size_t(width) * samples_per_pixel);
  const std::size_t tiles = std::max<std::size_t>(1, budget / (per_row * tile));
  return static_cast<gint>(std::min<std::size_t>(tiles * tile, 1 << 20));
}

// The babl format of the drawable's own numbers (its image's TRC, its colour space),
// with `channels` colour channels and optionally alpha.
const Babl* float_format(gint32 drawable, std::size_t channels, bool with_alpha) {
  const bool perceptual = is_perceptual(drawable);
  const char* name = nullptr;
  if (channels == 1)
    name = perceptual ? (with_alpha ? "Y'A float" : "Y' float")
                      : (with_alpha ? "YA float" : "Y float");
  else
    name = perceptual ? (with_alpha ? "R'G'B'A float" : "R'G'B' float")
                      : (with_alpha ? "RGBA float" : "RGB float");
  const Babl* storage = gimp_drawable_get_format(drawable);
  const Babl* space = storage != nullptr ? babl_format_get_space(storage) : nullptr;
  return space != nullptr ? babl_format_with_space(name, space) : babl_format(name);
}

void check_drawable(gint32 drawable) {
  if (!gimp_item_is_valid(drawable) || !gimp_item_is_drawable(drawable))
    throw Error(ErrorKind::InvalidArgument, _("The drawable does not exist (any more)."));
}

// Writes `pixels` (storage order) into `target`, whose format `format` has
// `channels` colour channels (those of `pixels`, or 3 for a grey `pixels` that
// fills R, G and B alike) plus alpha when `alpha_source` is given; the alpha comes
// from `alpha_source`.
void put_pixels(GeglBuffer* target, GeglBuffer* alpha_source, const Babl* format,
                ConstImageView pixels, std::size_t channels, Progress& progress) {
  const auto width = static_cast<gint>(pixels.width());
  const auto height = static_cast<gint>(pixels.height());
  const std::size_t stride = channels + (alpha_source != nullptr ? 1 : 0);
  const gint rows = strip_rows(width, stride);
  std::vector<float> strip(std::size_t(width) * std::size_t(std::min(rows, height)) * stride);
  for (gint y0 = 0; y0 < height; y0 += rows) {
    const gint n = std::min(rows, height - y0);
    const GeglRectangle rect = {0, y0, width, n};
    if (alpha_source != nullptr)
      gegl_buffer_get(alpha_source, &rect, 1.0, format, strip.data(), GEGL_AUTO_ROWSTRIDE,
                      GEGL_ABYSS_NONE);
    for (gint r = 0; r < n; ++r) {
      const std::size_t stored = std::size_t(height - 1 - (y0 + r));
      float* out = strip.data() + std::size_t(r) * std::size_t(width) * stride;
      for (std::size_t c = 0; c < channels; ++c) {
        const float* in = pixels.row(pixels.channels() == 1 ? 0 : c, stored);
        for (std::size_t x = 0; x < std::size_t(width); ++x) out[x * stride + c] = in[x];
      }
    }
    gegl_buffer_set(target, &rect, 0, format, strip.data(), GEGL_AUTO_ROWSTRIDE);
    progress.report(double(y0 + n) / double(height), {});
  }
}

}  // namespace

std::size_t colour_channels(gint32 drawable) {
  return gimp_drawable_is_gray(drawable) ? 1 : 3;
}

bool is_perceptual(gint32 drawable) {
  switch (gimp_image_get_precision(gimp_item_get_image(drawable))) {
    case GIMP_PRECISION_U8_GAMMA:
    case GIMP_PRECISION_U16_GAMMA:
    case GIMP_PRECISION_U32_GAMMA:
    case GIMP_PRECISION_HALF_GAMMA:
    case GIMP_PRECISION_FLOAT_GAMMA:
    case GIMP_PRECISION_DOUBLE_GAMMA:
      return true;
    default:
      return false;
  }
}

namespace {

// The colour channels of `area` of the drawable in `format`, rows flipped into
// storage order within the area.
Image read_area(gint32 drawable, const Babl* format, const GeglRectangle& area,
                Progress& progress) {
  const gint width = area.width;
  const gint height = area.height;
  if (width <= 0 || height <= 0)
    throw Error(ErrorKind::InvalidArgument, _("The drawable is empty."));
  const std::size_t channels = colour_channels(drawable);
  BufferPtr buffer = checked(gimp_drawable_get_buffer(drawable));

  Image image(std::size_t(width), std::size_t(height), channels);
  const gint rows = strip_rows(width, channels);
  std::vector<float> strip(std::size_t(width) * std::size_t(std::min(rows, height)) * channels);
  for (gint y0 = 0; y0 < height; y0 += rows) {
    const gint n = std::min(rows, height - y0);
    const GeglRectangle rect = {area.x, area.y + y0, width, n};
    gegl_buffer_get(buffer.get(), &rect, 1.0, format, strip.data(), GEGL_AUTO_ROWSTRIDE,
                    GEGL_ABYSS_NONE);
    for (gint r = 0; r < n; ++r) {
      const std::size_t stored = std::size_t(height - 1 - (y0 + r));
      const float* in = strip.data() + std::size_t(r) * std::size_t(width) * channels;
      for (std::size_t c = 0; c < channels; ++c) {
        float* out = image.row(c, stored);
        for (std::size_t x = 0; x < std::size_t(width); ++x) out[x] = in[x * channels + c];
      }
    }
    progress.report(double(y0 + n) / double(height), {});
  }
  return image;
}

GeglRectangle whole(gint32 drawable) {
  return {0, 0, gimp_drawable_width(drawable), gimp_drawable_height(drawable)};
}

}  // namespace

Trc drawable_trc(gint32 drawable) {
  return is_perceptual(drawable) ? Trc::Perceptual : Trc::Linear;
}

const Babl* pixel_format(gint32 drawable, std::size_t channels, bool with_alpha) {
  return float_format(drawable, channels, with_alpha);
}

Image read_drawable(gint32 drawable, Progress& progress) {
  check_drawable(drawable);
  return read_area(drawable, float_format(drawable, colour_channels(drawable), false),
                   whole(drawable), progress);
}

Image read_drawable_as(gint32 drawable, Trc trc, Progress& progress) {
  check_drawable(drawable);
  const std::size_t channels = colour_channels(drawable);
  const char* name = channels == 1 ? (trc == Trc::Perceptual ? "Y' float" : "Y float")
                                   : (trc == Trc::Perceptual ? "R'G'B' float" : "RGB float");
  const Babl* storage = gimp_drawable_get_format(drawable);
  const Babl* space = storage != nullptr ? babl_format_get_space(storage) : nullptr;
  const Babl* format = space != nullptr ? babl_format_with_space(name, space) : babl_format(name);
  return read_area(drawable, format, whole(drawable), progress);
}

Image read_drawable_area(gint32 drawable, gint x, gint y, gint width, gint height) {
  check_drawable(drawable);
  NoProgress quiet;
  return read_area(drawable, float_format(drawable, colour_channels(drawable), false),
                   {x, y, width, height}, quiet);
}

void write_drawable(gint32 drawable, ConstImageView pixels, Progress& progress) {
  check_drawable(drawable);
  if (gimp_drawable_is_indexed(drawable))
    throw Error(ErrorKind::Unsupported,
                _("Indexed images cannot hold these pixels; convert the image to RGB first "
                  "(Image > Mode > RGB)."));
  if (pixels.width() != std::size_t(gimp_drawable_width(drawable)) ||
      pixels.height() != std::size_t(gimp_drawable_height(drawable)) ||
      pixels.channels() != colour_channels(drawable))
    throw Error(ErrorKind::Internal, _("The result does not have the size of the layer."));
  const bool alpha = gimp_drawable_has_alpha(drawable);
  const Babl* format = float_format(drawable, pixels.channels(), alpha);
  {
    BufferPtr source = checked(gimp_drawable_get_buffer(drawable));
    BufferPtr shadow = checked(gimp_drawable_get_shadow_buffer(drawable));
    put_pixels(shadow.get(), alpha ? source.get() : nullptr, format, pixels, pixels.channels(),
               progress);
  }  // the shadow buffer is flushed to GIMP when released, before the merge
  gimp_drawable_merge_shadow(drawable, /*undo=*/TRUE);
  gimp_drawable_update(drawable, 0, 0, gint(pixels.width()), gint(pixels.height()));
}

gint32 new_layer(gint32 image, ConstImageView pixels, const std::string& name,
                 Progress& progress, GimpLayerMode mode, double opacity) {
  const GimpImageBaseType base = gimp_image_base_type(image);
  const std::size_t channels = base == GIMP_GRAY ? 1 : 3;
  if (base == GIMP_INDEXED)
    throw Error(ErrorKind::Unsupported,
                _("Indexed images cannot hold these pixels; convert the image to RGB first "
                  "(Image > Mode > RGB)."));
  // A grey layer goes into an RGB image as R = G = B, as GIMP converts it.
  if (pixels.channels() != channels && !(pixels.channels() == 1 && channels == 3))
    throw Error(ErrorKind::InvalidArgument,
                _("A colour layer cannot go into a grey image; convert the image to RGB first "
                  "(Image > Mode > RGB)."));
  const gint32 layer =
      gimp_layer_new(image, name.c_str(), gint(pixels.width()), gint(pixels.height()),
                     channels == 1 ? GIMP_GRAY_IMAGE : GIMP_RGB_IMAGE, opacity, mode);
  if (layer == -1) throw Error(ErrorKind::Internal, _("GIMP could not create the layer."));
  if (!gimp_image_insert_layer(image, layer, /*parent=*/0, /*position=*/0)) {
    gimp_item_delete(layer);
    throw Error(ErrorKind::Internal, _("GIMP could not add the layer to the image."));
  }
  {
    BufferPtr buffer = checked(gimp_drawable_get_buffer(layer));
    put_pixels(buffer.get(), nullptr, float_format(layer, channels, false), pixels, channels,
               progress);
  }
  gimp_drawable_update(layer, 0, 0, gint(pixels.width()), gint(pixels.height()));
  return layer;
}

gint32 new_image(ConstImageView pixels, const std::string& layer_name, Progress& progress) {
  if (pixels.channels() != 1 && pixels.channels() != 3)
    throw Error(ErrorKind::Unsupported, _("Only grey (1 channel) and RGB (3 channels) images "
                                          "can be opened."));
  const gint32 image = gimp_image_new_with_precision(
      gint(pixels.width()), gint(pixels.height()), pixels.channels() == 1 ? GIMP_GRAY : GIMP_RGB,
      GIMP_PRECISION_FLOAT_LINEAR);
  if (image == -1) throw Error(ErrorKind::Internal, _("GIMP could not create the image."));
  try {
    gimp_image_undo_disable(image);
    new_layer(image, pixels, layer_name, progress);
    gimp_image_undo_enable(image);
  } catch (...) {
    gimp_image_delete(image);
    throw;
  }
  return image;
}

void message(const std::string& text) { gimp_message(text.c_str()); }

}  // namespace astropack::gimp
