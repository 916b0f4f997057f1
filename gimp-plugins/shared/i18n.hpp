// SPDX-License-Identifier: GPL-3.0-or-later
// Translation for the plug-ins: GIMP's own i18n header is not installed, so the
// usual macros are defined here over the project's gettext domain.
#pragma once

#include <glib/gi18n-lib.h>

#include <string>

namespace astropack::gimp {

// Binds the "astropack" domain: a locale/ folder beside the plug-in binary (an
// installation in the user's profile) wins over the system locale folder.
// Safe to call more than once.
void init_i18n();

// The folder init_i18n() bound, for gimp_plugin_domain_register() in query().
const char* locale_dir();

// printf into a std::string, so translated sentences keep their placeholders whole.
std::string format_text(const char* format, ...) G_GNUC_PRINTF(1, 2);

}  // namespace astropack::gimp
