// SPDX-License-Identifier: GPL-3.0-or-later
#include "i18n.hpp"

#include <libgimp/gimp.h>

#include <clocale>
#include <cstdarg>
#include <filesystem>
#include <string>
#include <system_error>

#include "astropack_config.h"

namespace astropack::gimp {

namespace {

std::string find_locale_dir() {
  // gimp_get_progname() is the plug-in's full path.
  const char* program = gimp_get_progname();
  if (program != nullptr) {
    std::error_code ec;
    const auto beside = std::filesystem::path(program).parent_path() / "locale";
    if (std::filesystem::is_directory(beside, ec)) return beside.string();
  }
  return ASTROPACK_LOCALEDIR;
}

}  // namespace

const char* locale_dir() {
  static const std::string dir = find_locale_dir();
  return dir.c_str();
}

std::string format_text(const char* format, ...) {
  va_list args;
  va_start(args, format);
  gchar* text = g_strdup_vprintf(format, args);
  va_end(args);
  std::string result(text != nullptr ? text : "");
  g_free(text);
  return result;
}

void init_i18n() {
  std::setlocale(LC_ALL, "");
  bindtextdomain(GETTEXT_PACKAGE, locale_dir());
  bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
}

}  // namespace astropack::gimp
