// SPDX-License-Identifier: GPL-3.0-or-later
// The star layer blend plug-in: its names, its values (kept by GIMP between runs)
// and their meaning for the core (the stars layer of astropack/nebula_composite.hpp).
#pragma once

#include <libgimp/gimp.h>

#include "astropack/nebula_composite.hpp"

namespace astropack::gimp {

inline constexpr const char* kStarBlendBinary = "astropack-star-blend";
inline constexpr const char* kStarBlendProc = "plug-in-astropack-star-blend";

// Plain data: GIMP stores it as bytes (gimp_set_data).
struct StarBlendValues {
  gdouble black_point = 0.0;  // Levels input low, 0..<1
  gboolean sharpen = TRUE;    // unsharp mask
  gdouble radius = 3.0;       // unsharp mask: standard deviation, pixels
  gdouble amount = 0.5;
  gdouble threshold = 0.0;  // 0..1
};

// The core's parameters for a layer whose numbers are encoded as `storage`;
// throws Error(InvalidArgument) for a value out of range.
NebulaCompositeParams star_blend_params(const StarBlendValues& values, Trc storage);

// The dialog (with a live preview of the stars layer); false when the user cancels.
bool run_star_blend_dialog(gint32 drawable, StarBlendValues& values);

}  // namespace astropack::gimp
