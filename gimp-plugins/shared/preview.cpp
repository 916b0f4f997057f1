// SPDX-License-Identifier: GPL-3.0-or-later
#include "preview.hpp"

#include <babl/babl.h>

#include <utility>
#include <vector>

#include "host.hpp"
#include "pdb_status.hpp"

namespace astropack::gimp {

namespace {

struct PreviewState {
  gint32 drawable;
  PreviewRender render;
};

void free_state(gpointer data) { delete static_cast<PreviewState*>(data); }

// 8-bit sRGB in display order, for GimpPreviewArea.
std::vector<guchar> display_bytes(gint32 drawable, ConstImageView pixels) {
  const std::size_t channels = pixels.channels();
  const std::size_t width = pixels.width(), height = pixels.height();
  std::vector<float> interleaved(width * height * channels);
  for (std::size_t y = 0; y < height; ++y) {
    float* out = interleaved.data() + y * width * channels;
    for (std::size_t c = 0; c < channels; ++c) {
      const float* in = pixels.row(c, height - 1 - y);
      for (std::size_t x = 0; x < width; ++x) out[x * channels + c] = in[x];
    }
  }
  const Babl* source = pixel_format(drawable, channels, /*with_alpha=*/false);
  const Babl* space = babl_format_get_space(source);
  const Babl* target = babl_format_with_space(channels == 1 ? "Y' u8" : "R'G'B' u8", space);
  std::vector<guchar> bytes(interleaved.size());
  babl_process(babl_fish(source, target), interleaved.data(), bytes.data(),
               static_cast<long>(width * height));
  return bytes;
}

// A GLib signal handler: nothing may throw out of it.
void on_invalidated(GimpPreview* preview, gpointer data) {
  const auto* state = static_cast<const PreviewState*>(data);
  gint x = 0, y = 0, width = 0, height = 0;
  gimp_preview_get_position(preview, &x, &y);
  gimp_preview_get_size(preview, &width, &height);
  if (width <= 0 || height <= 0) return;
  const Outcome outcome = guarded([&] {
    const Image area = read_drawable_area(state->drawable, x, y, width, height);
    const Image shown = state->render(area, x, y);
    if (shown.width() != area.width() || shown.height() != area.height() ||
        (shown.channels() != 1 && shown.channels() != 3))
      return;
    const std::vector<guchar> bytes = display_bytes(state->drawable, shown.view());
    const bool grey = shown.channels() == 1;
    gimp_preview_area_draw(GIMP_PREVIEW_AREA(gimp_preview_get_area(preview)), 0, 0, width,
                           height, grey ? GIMP_GRAY_IMAGE : GIMP_RGB_IMAGE, bytes.data(),
                           width * (grey ? 1 : 3));
  });
  // A value the core refuses (mid-edit) leaves the layer shown as it is.
  if (!outcome.ok()) gimp_preview_draw(preview);
}

}  // namespace

GtkWidget* live_preview(gint32 drawable, PreviewRender render) {
  GtkWidget* preview = gimp_drawable_preview_new_from_drawable_id(drawable);
  auto* state = new PreviewState{drawable, std::move(render)};
  g_object_set_data_full(G_OBJECT(preview), "astropack-preview", state, free_state);
  g_signal_connect(preview, "invalidated", G_CALLBACK(on_invalidated), state);
  return preview;
}

}  // namespace astropack::gimp
