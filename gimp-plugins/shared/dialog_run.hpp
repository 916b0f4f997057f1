// SPDX-License-Identifier: GPL-3.0-or-later
// Runs a plug-in dialog (libgimpui, GTK 2). For tests under Xvfb, when the
// environment variable ASTROPACK_DIALOG_SCREENSHOT names a file, the dialog is
// saved there (PNG for a .png name, otherwise TIFF; <folder>/<plug-in>.png when it
// names a folder) 1.5 s after it appears and then answered with OK.
#pragma once

#include <gtk/gtk.h>

namespace astropack::gimp {

// The dialog's response (GTK_RESPONSE_OK when the user accepts).
gint run_dialog(GtkWidget* dialog);

}  // namespace astropack::gimp
