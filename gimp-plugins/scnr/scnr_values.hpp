// SPDX-License-Identifier: GPL-3.0-or-later
// The green-noise removal plug-in: its names, its values (kept by GIMP between
// runs) and their meaning for the core (astropack/scnr.hpp).
#pragma once

#include <libgimp/gimp.h>

#include "astropack/scnr.hpp"

namespace astropack::gimp {

inline constexpr const char* kScnrBinary = "astropack-scnr";
inline constexpr const char* kScnrProc = "plug-in-astropack-scnr";

// Plain data: GIMP stores it as bytes (gimp_set_data).
struct ScnrValues {
  gint32 method = 0;  // ScnrMethod in order: average neutral, maximum neutral,
                      // maximum mask, additive mask
  gdouble amount = 1.0;
  gboolean preserve_lightness = TRUE;
};

// The core's parameters; throws Error(InvalidArgument) for a value out of range.
ScnrParams scnr_params(const ScnrValues& values);

// The dialog (with a live preview of `drawable`); false when the user cancels.
bool run_scnr_dialog(gint32 drawable, ScnrValues& values);

}  // namespace astropack::gimp
