// SPDX-License-Identifier: GPL-3.0-or-later
// The Ha/OIII colourise-and-screen plug-in: its names, its values (kept by GIMP
// between runs) and their meaning for the core (the Ha and OIII layers of
// astropack/nebula_composite.hpp).
#pragma once

#include <libgimp/gimp.h>

#include "astropack/nebula_composite.hpp"

namespace astropack::gimp {

inline constexpr const char* kHaOiiiBinary = "astropack-haoiii-screen";
inline constexpr const char* kHaOiiiProc = "plug-in-astropack-haoiii-screen";

// Plain data: GIMP stores it as bytes (gimp_set_data).
struct HaOiiiValues {
  gint32 ha_layer = -1;     // -1: none
  gint32 oiii_layer = -1;   // -1: none
  gint32 stars_layer = -1;  // -1: the topmost layer in "lighten only", if any
  gdouble ha_hue = 0.0;     // red
  gdouble oiii_hue = 180.0;  // cyan
  gdouble saturation = 100.0;
  gdouble lightness = 0.0;
  gdouble ha_blur = 0.0;  // Gaussian standard deviation, pixels; 0: none
  gdouble oiii_blur = 0.0;
  gdouble ha_black_point = 0.0;  // Levels input low
  gdouble oiii_black_point = 0.0;
};

// The core's parameters for layers whose numbers are encoded as `storage`;
// throws Error(InvalidArgument) for a value out of range.
NebulaCompositeParams haoiii_params(const HaOiiiValues& values, Trc storage);

// The dialog (layers of `image`, a live preview of Ha and OIII screened together,
// shown on `drawable`); false when the user cancels.
bool run_haoiii_dialog(gint32 image, gint32 drawable, HaOiiiValues& values);

}  // namespace astropack::gimp
