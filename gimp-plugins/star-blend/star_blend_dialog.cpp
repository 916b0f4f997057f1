// SPDX-License-Identifier: GPL-3.0-or-later
// The star layer blend dialog: black point, unsharp mask, live preview of the layer.
#include "dialog_run.hpp"
#include "dialog_widgets.hpp"
#include "host.hpp"
#include "i18n.hpp"
#include "preview.hpp"
#include "star_blend_values.hpp"

namespace astropack::gimp {

bool run_star_blend_dialog(gint32 drawable, StarBlendValues& values) {
  GtkWidget* box = nullptr;
  GtkWidget* dialog =
      new_filter_dialog(_("Star Layer Blend"), kStarBlendBinary, kStarBlendProc, &box);
  const Trc storage = drawable_trc(drawable);
  GtkWidget* preview =
      live_preview(drawable, [&values, storage](const Image& area, gint, gint) {
        return stars_layer(area.view(), star_blend_params(values, storage));
      });
  gtk_box_pack_start(GTK_BOX(box), preview, TRUE, TRUE, 0);
  gtk_widget_show(preview);
  GimpPreview* live = GIMP_PREVIEW(preview);

  GtkWidget* table = add_table(box, 1);
  add_scale(table, 0, _("_Black point:"), &values.black_point, 0.0, 0.99, 0.001, 0.01, 3, live,
            _("Levels input low: values below it become black"));
  add_check(box, _("_Sharpen the stars (unsharp mask)"), &values.sharpen, live);
  GtkWidget* sharpen = add_table(box, 3);
  add_scale(sharpen, 0, _("_Radius:"), &values.radius, 0.1, 50.0, 0.1, 1.0, 1, live,
            _("Standard deviation of the blur, in pixels"));
  add_scale(sharpen, 1, _("_Amount:"), &values.amount, 0.0, 10.0, 0.01, 0.1, 2, live);
  add_scale(sharpen, 2, _("_Threshold:"), &values.threshold, 0.0, 1.0, 0.001, 0.01, 3, live,
            _("Sharpen only where the difference is at least this large"));

  GtkWidget* note = gtk_label_new(
      _("The layer's mode becomes \"Lighten only\" and it moves to the top of the image."));
  gtk_label_set_line_wrap(GTK_LABEL(note), TRUE);
  gtk_misc_set_alignment(GTK_MISC(note), 0.0, 0.5);
  gtk_box_pack_start(GTK_BOX(box), note, FALSE, FALSE, 0);
  gtk_widget_show(note);

  gtk_widget_show(dialog);
  const bool ok = run_dialog(dialog) == GTK_RESPONSE_OK;
  gtk_widget_destroy(dialog);
  return ok;
}

}  // namespace astropack::gimp
