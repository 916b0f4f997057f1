// SPDX-License-Identifier: GPL-3.0-or-later
// The nebula composite dialog: for each of stars, Ha, OIII and nebula a file or an
// open layer, then the layers' black points, blur, colour, opacity and the stars'
// unsharp mask. No preview: the sources may be files not yet read.
#include <array>

#include "dialog_run.hpp"
#include "dialog_widgets.hpp"
#include "i18n.hpp"
#include "nebula_values.hpp"

namespace astropack::gimp {

namespace {

struct FileTarget {
  gchar* text;
  std::size_t size;
};

// A GLib callback: copies the chosen file name into the values.
void file_chosen(GtkFileChooser* chooser, gpointer data) {
  auto* target = static_cast<FileTarget*>(data);
  gchar* file = gtk_file_chooser_get_filename(chooser);
  g_strlcpy(target->text, file != nullptr ? file : "", target->size);
  g_free(file);
}

}  // namespace

bool run_nebula_dialog(NebulaValues& values) {
  GtkWidget* box = nullptr;
  GtkWidget* dialog =
      new_filter_dialog(_("Nebula Composite"), kNebulaBinary, kNebulaProc, &box);

  const char* labels[kRoles] = {_("Stars:"), _("Ha:"), _("OIII:"), _("Nebula:")};
  static std::array<FileTarget, kRoles> targets;
  GtkWidget* sources = gtk_frame_new(_("Sources: a file or an open layer"));
  gtk_box_pack_start(GTK_BOX(box), sources, FALSE, FALSE, 0);
  gtk_widget_show(sources);
  GtkWidget* source_table = gtk_table_new(kRoles, 3, FALSE);
  gtk_container_set_border_width(GTK_CONTAINER(source_table), 6);
  gtk_table_set_col_spacings(GTK_TABLE(source_table), 6);
  gtk_table_set_row_spacings(GTK_TABLE(source_table), 6);
  gtk_container_add(GTK_CONTAINER(sources), source_table);
  gtk_widget_show(source_table);
  for (int role = 0; role < kRoles; ++role) {
    GtkWidget* label = gtk_label_new(labels[role]);
    gtk_misc_set_alignment(GTK_MISC(label), 0.0, 0.5);
    gtk_table_attach(GTK_TABLE(source_table), label, 0, 1, role, role + 1, GTK_FILL, GTK_FILL,
                     0, 0);
    gtk_widget_show(label);
    GtkWidget* chooser =
        gtk_file_chooser_button_new(_("Choose an image file"), GTK_FILE_CHOOSER_ACTION_OPEN);
    if (values.files[role][0] != '\0')
      gtk_file_chooser_set_filename(GTK_FILE_CHOOSER(chooser), values.files[role]);
    targets[role] = {values.files[role], sizeof values.files[role]};
    g_signal_connect(chooser, "file-set", G_CALLBACK(file_chosen), &targets[role]);
    gtk_table_attach(GTK_TABLE(source_table), chooser, 1, 2, role, role + 1,
                     GtkAttachOptions(GTK_EXPAND | GTK_FILL), GTK_FILL, 0, 0);
    gtk_widget_show(chooser);
    GtkWidget* layer = layer_combo(nullptr, &values.layers[role], _("(no layer)"), nullptr);
    gtk_table_attach(GTK_TABLE(source_table), layer, 2, 3, role, role + 1,
                     GtkAttachOptions(GTK_EXPAND | GTK_FILL), GTK_FILL, 0, 0);
  }

  GtkWidget* table = add_table(box, 10);
  add_scale(table, 0, _("Stars black point:"), &values.black_points[kStars], 0.0, 0.99, 0.001,
            0.01, 3, nullptr);
  add_scale(table, 1, _("Ha black point:"), &values.black_points[kHa], 0.0, 0.99, 0.001, 0.01,
            3, nullptr);
  add_scale(table, 2, _("OIII black point:"), &values.black_points[kOiii], 0.0, 0.99, 0.001,
            0.01, 3, nullptr);
  add_scale(table, 3, _("Nebula black point:"), &values.black_points[kNebula], 0.0, 0.99, 0.001,
            0.01, 3, nullptr);
  add_scale(table, 4, _("Ha blur:"), &values.ha_blur, 0.0, 50.0, 0.1, 1.0, 1, nullptr);
  add_scale(table, 5, _("OIII blur:"), &values.oiii_blur, 0.0, 50.0, 0.1, 1.0, 1, nullptr);
  add_scale(table, 6, _("Ha hue:"), &values.ha_hue, 0.0, 360.0, 1.0, 15.0, 0, nullptr);
  add_scale(table, 7, _("OIII hue:"), &values.oiii_hue, 0.0, 360.0, 1.0, 15.0, 0, nullptr);
  add_scale(table, 8, _("Saturation:"), &values.saturation, 0.0, 100.0, 1.0, 10.0, 0, nullptr);
  add_scale(table, 9, _("Lightness:"), &values.lightness, -100.0, 100.0, 1.0, 10.0, 0, nullptr);
  add_check(box, _("_Sharpen the stars (unsharp mask)"), &values.sharpen, nullptr);
  GtkWidget* stars = add_table(box, 6);
  add_scale(stars, 0, _("Radius:"), &values.radius, 0.1, 50.0, 0.1, 1.0, 1, nullptr);
  add_scale(stars, 1, _("Amount:"), &values.amount, 0.0, 10.0, 0.01, 0.1, 2, nullptr);
  add_scale(stars, 2, _("Threshold:"), &values.threshold, 0.0, 1.0, 0.001, 0.01, 3, nullptr);
  add_scale(stars, 3, _("Stars opacity:"), &values.opacities[kStars], 0.0, 1.0, 0.01, 0.1, 2,
            nullptr);
  add_scale(stars, 4, _("Ha opacity:"), &values.opacities[kHa], 0.0, 1.0, 0.01, 0.1, 2, nullptr);
  add_scale(stars, 5, _("OIII opacity:"), &values.opacities[kOiii], 0.0, 1.0, 0.01, 0.1, 2,
            nullptr);

  gtk_widget_show(dialog);
  const bool ok = run_dialog(dialog) == GTK_RESPONSE_OK;
  gtk_widget_destroy(dialog);
  return ok;
}

}  // namespace astropack::gimp
