// SPDX-License-Identifier: GPL-3.0-or-later
// The widgets the filter dialogs are made of (libgimpui, GTK 2). Every value widget
// writes straight into a field of the plug-in's values struct and, when given a
// preview, invalidates it so the preview follows the value.
#pragma once

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

namespace astropack::gimp {

// A dialog with Cancel and OK (and Help for `procedure`), transient to GIMP's
// window. Returns the dialog; `content` receives the box to fill.
GtkWidget* new_filter_dialog(const char* title, const char* binary, const char* procedure,
                             GtkWidget** content);

// A table of scale entries with `rows` rows, packed into `box`.
GtkWidget* add_table(GtkWidget* box, guint rows);

// A slider with a number field in row `row` of `table`, for `*value`.
GtkObject* add_scale(GtkWidget* table, gint row, const char* label, gdouble* value,
                     gdouble lower, gdouble upper, gdouble step, gdouble page, guint digits,
                     GimpPreview* preview, const char* tooltip = nullptr);

// A check box for `*value`, packed into `box`.
GtkWidget* add_check(GtkWidget* box, const char* label, gboolean* value, GimpPreview* preview);

// A combo box of the layers of `*image` (of every open image when image is null),
// with a first entry `none_label` for -1 when it is given. Sets `*value` to the
// choice; `*value` is selected first when it is one of them.
GtkWidget* layer_combo(const gint32* image, gint32* value, const char* none_label,
                       GimpPreview* preview);

// A label and a widget side by side in row `row` of `table`.
void attach_row(GtkWidget* table, gint row, const char* label, GtkWidget* widget);

// Invalidates `preview` when `widget` emits `signal` (for widgets made elsewhere).
void follow_with_preview(GtkWidget* widget, const char* signal, GimpPreview* preview);

}  // namespace astropack::gimp
