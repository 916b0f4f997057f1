// SPDX-License-Identifier: GPL-3.0-or-later
// The nebula composite plug-in: its names, its values (kept by GIMP between runs)
// and their meaning for the core (astropack/nebula_composite.hpp).
#pragma once

#include <libgimp/gimp.h>

#include "astropack/nebula_composite.hpp"

namespace astropack::gimp {

inline constexpr const char* kNebulaBinary = "astropack-nebula-composite";
inline constexpr const char* kNebulaProc = "plug-in-astropack-nebula-composite";

// The four sources, in the order of the PDB parameters.
enum NebulaRole { kStars, kHa, kOiii, kNebula, kRoles };

// Plain data: GIMP stores it as bytes (gimp_set_data).
struct NebulaValues {
  gchar files[kRoles][1024] = {};               // "" = none
  gint32 layers[kRoles] = {-1, -1, -1, -1};     // -1 = none
  gdouble black_points[kRoles] = {0, 0, 0, 0};  // Levels input low
  gdouble ha_blur = 0.0;                        // Gaussian standard deviation, pixels
  gdouble oiii_blur = 0.0;
  gdouble ha_hue = 0.0;
  gdouble oiii_hue = 180.0;
  gdouble saturation = 100.0;
  gdouble lightness = 0.0;
  gboolean sharpen = TRUE;
  gdouble radius = 3.0;
  gdouble amount = 0.5;
  gdouble threshold = 0.0;
  gdouble opacities[kRoles] = {1, 1, 1, 1};  // the nebula's is not used (always 1)
};

// The core's parameters (the images are linear float); throws
// Error(InvalidArgument) for a value out of range.
NebulaCompositeParams nebula_params(const NebulaValues& values);

// The dialog; false when the user cancels.
bool run_nebula_dialog(NebulaValues& values);

}  // namespace astropack::gimp
