// SPDX-License-Identifier: GPL-3.0-or-later
// The green-noise removal dialog: method, amount, preserve lightness, live preview.
#include "astropack/scnr.hpp"
#include "dialog_run.hpp"
#include "dialog_widgets.hpp"
#include "i18n.hpp"
#include "preview.hpp"
#include "scnr_values.hpp"

namespace astropack::gimp {

bool run_scnr_dialog(gint32 drawable, ScnrValues& values) {
  GtkWidget* box = nullptr;
  GtkWidget* dialog = new_filter_dialog(_("Remove Green Noise (SCNR)"), kScnrBinary, kScnrProc,
                                        &box);
  GtkWidget* preview = live_preview(drawable, [&values](const Image& area, gint, gint) {
    Image out = area;
    scnr(area.view(), out.view(), scnr_params(values));
    return out;
  });
  gtk_box_pack_start(GTK_BOX(box), preview, TRUE, TRUE, 0);
  gtk_widget_show(preview);
  GimpPreview* live = GIMP_PREVIEW(preview);

  GtkWidget* table = add_table(box, 2);
  GtkWidget* method = gimp_int_combo_box_new(
      _("Average neutral"), 0, _("Maximum neutral"), 1, _("Maximum mask"), 2,
      _("Additive mask"), 3, nullptr);
  gimp_int_combo_box_connect(GIMP_INT_COMBO_BOX(method), values.method,
                             G_CALLBACK(gimp_int_combo_box_get_active), &values.method);
  follow_with_preview(method, "changed", live);
  gtk_widget_show(method);
  attach_row(table, 0, _("_Method:"), method);
  add_scale(table, 1, _("_Amount:"), &values.amount, 0.0, 1.0, 0.01, 0.1, 2, live,
            _("Strength of the mask methods; the neutral methods remove the whole excess"));
  add_check(box, _("_Preserve lightness"), &values.preserve_lightness, live);

  gtk_widget_show(dialog);
  const bool ok = run_dialog(dialog) == GTK_RESPONSE_OK;
  gtk_widget_destroy(dialog);
  return ok;
}

}  // namespace astropack::gimp
