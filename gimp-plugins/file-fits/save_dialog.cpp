// SPDX-License-Identifier: GPL-3.0-or-later
#include "save_dialog.hpp"

#include <libgimp/gimpui.h>

#include "dialog_run.hpp"
#include "fits_names.hpp"
#include "i18n.hpp"

namespace astropack::gimp {

bool run_save_dialog(FitsSaveValues& values) {
  GtkWidget* dialog = gimp_export_dialog_new(_("FITS"), kFitsBinary, kFitsSaveProc);
  GtkWidget* frame = gimp_int_radio_group_new(
      TRUE, _("Sample format"), G_CALLBACK(gimp_radio_button_update), &values.bits,
      values.bits == 16 ? 16 : 32,
      _("32-bit float: every value exactly, above 1 and below 0 too"), 32, nullptr,
      _("16-bit unsigned integer: 0..1 as 0..65535, other values clipped"), 16, nullptr,
      nullptr);
  gtk_container_set_border_width(GTK_CONTAINER(frame), 12);
  gtk_box_pack_start(GTK_BOX(gimp_export_dialog_get_content_area(dialog)), frame, TRUE, TRUE,
                     0);
  gtk_widget_show(frame);
  gtk_widget_show(dialog);
  const bool ok = run_dialog(dialog) == GTK_RESPONSE_OK;
  gtk_widget_destroy(dialog);
  return ok;
}

}  // namespace astropack::gimp
