// SPDX-License-Identifier: GPL-3.0-or-later
// The Ha/OIII dialog: the two layers and the stars layer, colour, blur and black
// points, and a live preview of Ha and OIII screened together over black.
#include "astropack/blend.hpp"
#include "dialog_run.hpp"
#include "dialog_widgets.hpp"
#include "haoiii_values.hpp"
#include "host.hpp"
#include "i18n.hpp"
#include "preview.hpp"

namespace astropack::gimp {

namespace {

// What the two layers add to the image: Ha over black, OIII screened onto it.
Image preview_of(const HaOiiiValues& values, gint x, gint y, gint width, gint height) {
  const gint32 layers[] = {values.ha_layer, values.oiii_layer};
  Image result;
  for (int i = 0; i < 2; ++i) {
    if (layers[i] == -1) continue;
    const Image area = read_drawable_area(layers[i], x, y, width, height);
    const NebulaCompositeParams params = haoiii_params(values, drawable_trc(layers[i]));
    Image coloured = i == 0 ? coloured_layer(area.view(), params.ha, params.ha_hue, params)
                            : coloured_layer(area.view(), params.oiii, params.oiii_hue, params);
    if (result.empty()) {
      result = std::move(coloured);
    } else {
      BlendParams screen;
      screen.mode = BlendMode::Screen;
      screen.storage = params.storage;
      blend(result.view(), coloured.view(), screen);
    }
  }
  return result;
}

}  // namespace

bool run_haoiii_dialog(gint32 image, gint32 drawable, HaOiiiValues& values) {
  // First use: the active layer as Ha.
  if (values.ha_layer == -1 && values.oiii_layer == -1 && gimp_item_is_layer(drawable))
    values.ha_layer = drawable;
  GtkWidget* box = nullptr;
  GtkWidget* dialog =
      new_filter_dialog(_("Ha/OIII Colourise and Screen"), kHaOiiiBinary, kHaOiiiProc, &box);
  const gint32 shown = gimp_item_is_layer(drawable) ? drawable : values.ha_layer;
  GtkWidget* preview = live_preview(shown, [&values](const Image& area, gint x, gint y) {
    return preview_of(values, x, y, gint(area.width()), gint(area.height()));
  });
  gtk_box_pack_start(GTK_BOX(box), preview, TRUE, TRUE, 0);
  gtk_widget_show(preview);
  GimpPreview* live = GIMP_PREVIEW(preview);

  static gint32 this_image;
  this_image = image;
  GtkWidget* layers = add_table(box, 3);
  attach_row(layers, 0, _("_Ha layer:"),
             layer_combo(&this_image, &values.ha_layer, _("(none)"), live));
  attach_row(layers, 1, _("_OIII layer:"),
             layer_combo(&this_image, &values.oiii_layer, _("(none)"), live));
  attach_row(layers, 2, _("_Stars layer:"),
             layer_combo(&this_image, &values.stars_layer,
                         _("(the top \"lighten only\" layer)"), nullptr));

  GtkWidget* table = add_table(box, 8);
  add_scale(table, 0, _("Ha _hue:"), &values.ha_hue, 0.0, 360.0, 1.0, 15.0, 0, live);
  add_scale(table, 1, _("OIII h_ue:"), &values.oiii_hue, 0.0, 360.0, 1.0, 15.0, 0, live);
  add_scale(table, 2, _("_Saturation:"), &values.saturation, 0.0, 100.0, 1.0, 10.0, 0, live);
  add_scale(table, 3, _("_Lightness:"), &values.lightness, -100.0, 100.0, 1.0, 10.0, 0, live);
  add_scale(table, 4, _("Ha _blur:"), &values.ha_blur, 0.0, 50.0, 0.1, 1.0, 1, live,
            _("Gaussian standard deviation in pixels; 0 = none"));
  add_scale(table, 5, _("OIII b_lur:"), &values.oiii_blur, 0.0, 50.0, 0.1, 1.0, 1, live,
            _("Gaussian standard deviation in pixels; 0 = none"));
  add_scale(table, 6, _("Ha black _point:"), &values.ha_black_point, 0.0, 0.99, 0.001, 0.01, 3,
            live);
  add_scale(table, 7, _("OIII black p_oint:"), &values.oiii_black_point, 0.0, 0.99, 0.001, 0.01,
            3, live);

  gtk_widget_show(dialog);
  const bool ok = run_dialog(dialog) == GTK_RESPONSE_OK;
  gtk_widget_destroy(dialog);
  return ok;
}

}  // namespace astropack::gimp
