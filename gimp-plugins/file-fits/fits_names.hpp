// SPDX-License-Identifier: GPL-3.0-or-later
// Names the FITS plug-in registers. They differ from GIMP's bundled file-fits
// procedures ("file-fits-load"/"file-fits-save"), so both stay callable.
#pragma once

namespace astropack::gimp {

inline constexpr const char* kFitsBinary = "file-astropack-fits";
inline constexpr const char* kFitsLoadProc = "file-astropack-fits-load";
inline constexpr const char* kFitsSaveProc = "file-astropack-fits-save";

}  // namespace astropack::gimp
