// SPDX-License-Identifier: GPL-3.0-or-later
// Moving layers to the places the workflow's stack gives them.
#pragma once

#include <libgimp/gimp.h>

#include <initializer_list>

namespace astropack::gimp {

// Moves `layer` to the top of the image (out of any layer group).
void move_to_top(gint32 image, gint32 layer);

// Moves `layer` directly beneath `anchor`, in the anchor's group.
void place_beneath(gint32 image, gint32 layer, gint32 anchor);

// The topmost layer (top level or in a group, in stacking order) whose mode is
// `mode` or its legacy twin, other than those in `excluded`; -1 when there is none.
gint32 topmost_in_mode(gint32 image, GimpLayerMode mode, GimpLayerMode legacy,
                       std::initializer_list<gint32> excluded);

}  // namespace astropack::gimp
