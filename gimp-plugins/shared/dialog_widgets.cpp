// SPDX-License-Identifier: GPL-3.0-or-later
#include "dialog_widgets.hpp"

#include "i18n.hpp"

namespace astropack::gimp {

namespace {

// GLib callbacks: none of them throws.
void invalidate(GtkWidget*, gpointer preview) {
  if (preview != nullptr) gimp_preview_invalidate(GIMP_PREVIEW(preview));
}

void invalidate_object(GtkObject*, gpointer preview) {
  if (preview != nullptr) gimp_preview_invalidate(GIMP_PREVIEW(preview));
}

gboolean not_indexed_of_image(gint32 image, gint32 drawable, gpointer data) {
  const auto* wanted = static_cast<const gint32*>(data);
  if (!gimp_item_is_layer(drawable) || gimp_drawable_is_indexed(drawable)) return FALSE;
  return wanted == nullptr || *wanted == image;
}

}  // namespace

GtkWidget* new_filter_dialog(const char* title, const char* binary, const char* procedure,
                             GtkWidget** content) {
  GtkWidget* dialog = gimp_dialog_new(title, binary, nullptr, GtkDialogFlags(0),
                                      gimp_standard_help_func, procedure, _("_Cancel"),
                                      GTK_RESPONSE_CANCEL, _("_OK"), GTK_RESPONSE_OK, nullptr);
  gtk_dialog_set_alternative_button_order(GTK_DIALOG(dialog), GTK_RESPONSE_OK,
                                           GTK_RESPONSE_CANCEL, -1);
  gimp_window_set_transient(GTK_WINDOW(dialog));
  GtkWidget* box = gtk_vbox_new(FALSE, 12);
  gtk_container_set_border_width(GTK_CONTAINER(box), 12);
  gtk_box_pack_start(GTK_BOX(gtk_dialog_get_content_area(GTK_DIALOG(dialog))), box, TRUE, TRUE,
                     0);
  gtk_widget_show(box);
  *content = box;
  return dialog;
}

GtkWidget* add_table(GtkWidget* box, guint rows) {
  GtkWidget* table = gtk_table_new(rows, 3, FALSE);
  gtk_table_set_col_spacings(GTK_TABLE(table), 6);
  gtk_table_set_row_spacings(GTK_TABLE(table), 6);
  gtk_box_pack_start(GTK_BOX(box), table, FALSE, FALSE, 0);
  gtk_widget_show(table);
  return table;
}

GtkObject* add_scale(GtkWidget* table, gint row, const char* label, gdouble* value,
                     gdouble lower, gdouble upper, gdouble step, gdouble page, guint digits,
                     GimpPreview* preview, const char* tooltip) {
  GtkObject* adjustment =
      gimp_scale_entry_new(GTK_TABLE(table), 0, row, label, 200, 6, *value, lower, upper, step,
                           page, digits, TRUE, 0, 0, tooltip, nullptr);
  g_signal_connect(adjustment, "value-changed", G_CALLBACK(gimp_double_adjustment_update),
                   value);
  g_signal_connect(adjustment, "value-changed", G_CALLBACK(invalidate_object), preview);
  return adjustment;
}

GtkWidget* add_check(GtkWidget* box, const char* label, gboolean* value, GimpPreview* preview) {
  GtkWidget* button = gtk_check_button_new_with_mnemonic(label);
  gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(button), *value);
  gtk_box_pack_start(GTK_BOX(box), button, FALSE, FALSE, 0);
  gtk_widget_show(button);
  g_signal_connect(button, "toggled", G_CALLBACK(gimp_toggle_button_update), value);
  g_signal_connect(button, "toggled", G_CALLBACK(invalidate), preview);
  return button;
}

GtkWidget* layer_combo(const gint32* image, gint32* value, const char* none_label,
                       GimpPreview* preview) {
  GtkWidget* combo =
      gimp_layer_combo_box_new(not_indexed_of_image, const_cast<gint32*>(image));
  if (none_label != nullptr)
    gimp_int_combo_box_prepend(GIMP_INT_COMBO_BOX(combo), GIMP_INT_STORE_VALUE, -1,
                               GIMP_INT_STORE_LABEL, none_label, -1);
  // Selects *value when it is listed, else the first entry, and stores the choice.
  gimp_int_combo_box_connect(GIMP_INT_COMBO_BOX(combo), *value,
                             G_CALLBACK(gimp_int_combo_box_get_active), value);
  g_signal_connect(combo, "changed", G_CALLBACK(invalidate), preview);
  gtk_widget_show(combo);
  return combo;
}

void attach_row(GtkWidget* table, gint row, const char* label, GtkWidget* widget) {
  gimp_table_attach_aligned(GTK_TABLE(table), 0, row, label, 0.0, 0.5, widget, 2, FALSE);
}

void follow_with_preview(GtkWidget* widget, const char* signal, GimpPreview* preview) {
  g_signal_connect(widget, signal, G_CALLBACK(invalidate), preview);
}

}  // namespace astropack::gimp
