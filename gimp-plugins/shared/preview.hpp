// SPDX-License-Identifier: GPL-3.0-or-later
// A live preview in a plug-in dialog: a GimpDrawablePreview whose visible part is
// read at full precision, processed by the core (the same call the plug-in makes on
// the whole layer) and shown as 8-bit sRGB.
#pragma once

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include <functional>

#include "astropack/image.hpp"

namespace astropack::gimp {

// Turns the pixels of the visible rectangle (storage order, the drawable's own
// numbers; x, y its top-left corner in the drawable) into what the preview shows:
// grey or RGB, same size, same encoding. May throw: the preview then shows the
// layer unchanged.
using PreviewRender = std::function<Image(const Image& area, gint x, gint y)>;

// A preview of `drawable` drawn by `render` each time it is invalidated (scrolled,
// toggled, or gimp_preview_invalidate after a value changed).
GtkWidget* live_preview(gint32 drawable, PreviewRender render);

}  // namespace astropack::gimp
