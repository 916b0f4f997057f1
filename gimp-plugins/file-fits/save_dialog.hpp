// SPDX-License-Identifier: GPL-3.0-or-later
// The interactive save dialog (libgimpui, GTK 2): 32-bit float or 16-bit unsigned.
#pragma once

#include "fits_save.hpp"

namespace astropack::gimp {

// Shows the dialog with `values` preset; returns false when the user cancels.
// gimp_ui_init() must have been called.
bool run_save_dialog(FitsSaveValues& values);

}  // namespace astropack::gimp
