// SPDX-License-Identifier: GPL-3.0-or-later
#include "dialog_run.hpp"

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include <cstdlib>

namespace astropack::gimp {

namespace {

constexpr guint kScreenshotDelayMs = 1500;

// The screenshot's file: the variable's value, or <folder>/<plug-in>.png when it
// names a folder (several plug-ins in one test run). Free with g_free.
gchar* screenshot_file() {
  const char* name = std::getenv("ASTROPACK_DIALOG_SCREENSHOT");
  if (name == nullptr || *name == '\0') return nullptr;
  if (!g_file_test(name, G_FILE_TEST_IS_DIR)) return g_strdup(name);
  gchar* program = g_path_get_basename(gimp_get_progname());
  gchar* file_name = g_strconcat(program, ".png", nullptr);
  gchar* file = g_build_filename(name, file_name, nullptr);
  g_free(file_name);
  g_free(program);
  return file;
}

// A GLib callback: nothing may throw from here, and nothing here throws.
gboolean screenshot_and_accept(gpointer data) {
  GtkWidget* dialog = static_cast<GtkWidget*>(data);
  gchar* file = screenshot_file();
  GdkWindow* window = gtk_widget_get_window(dialog);
  if (file != nullptr && window != nullptr) {
    gdk_window_process_updates(window, TRUE);
    gint width = 0, height = 0;
    gdk_drawable_get_size(GDK_DRAWABLE(window), &width, &height);
    GdkPixbuf* pixbuf = gdk_pixbuf_get_from_drawable(nullptr, GDK_DRAWABLE(window), nullptr, 0,
                                                     0, 0, 0, width, height);
    if (pixbuf != nullptr) {
      GError* error = nullptr;
      const bool png = g_str_has_suffix(file, ".png");
      if (!gdk_pixbuf_save(pixbuf, file, png ? "png" : "tiff", &error, nullptr)) {
        g_printerr("screenshot %s: %s\n", file, error != nullptr ? error->message : "failed");
        g_clear_error(&error);
      }
      g_object_unref(pixbuf);
    }
  }
  g_free(file);
  gtk_dialog_response(GTK_DIALOG(dialog), GTK_RESPONSE_OK);
  return FALSE;
}

}  // namespace

gint run_dialog(GtkWidget* dialog) {
  const char* file = std::getenv("ASTROPACK_DIALOG_SCREENSHOT");
  if (file != nullptr && *file != '\0')
    g_timeout_add(kScreenshotDelayMs, screenshot_and_accept, dialog);
  return gimp_dialog_run(GIMP_DIALOG(dialog));
}

}  // namespace astropack::gimp
