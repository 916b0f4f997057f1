// SPDX-License-Identifier: GPL-3.0-or-later
#include "fits_load.hpp"

#include <cmath>
#include <filesystem>
#include <string>

#include "astropack/error.hpp"
#include "astropack/fits.hpp"
#include "gimp_progress.hpp"
#include "header_parasite.hpp"
#include "host.hpp"
#include "i18n.hpp"

namespace astropack::gimp {

std::size_t replace_non_finite(ImageView pixels) {
  std::size_t count = 0;
  for (std::size_t c = 0; c < pixels.channels(); ++c)
    for (std::size_t y = 0; y < pixels.height(); ++y) {
      float* row = pixels.row(c, y);
      for (std::size_t x = 0; x < pixels.width(); ++x)
        if (!std::isfinite(row[x])) {
          row[x] = 0.0f;
          ++count;
        }
    }
  return count;
}

gint32 load_fits_image(const char* filename) {
  if (filename == nullptr || *filename == '\0')
    throw Error(ErrorKind::InvalidArgument, _("No file name was given."));
  const std::filesystem::path file(filename);
  const std::string name = file.filename().string();

  GimpProgress progress(format_text(_("Opening '%s'"), name.c_str()));
  Image image = read_fits(file);
  const std::size_t replaced = replace_non_finite(image.view());

  const gint32 id = new_image(image.view(), name, progress);
  try {
    gimp_image_set_filename(id, filename);
    attach_header(id, image.header());
  } catch (...) {
    gimp_image_delete(id);
    throw;
  }
  if (replaced > 0) {
    message(format_text(
        g_dngettext(GETTEXT_PACKAGE,
                    "%s: %lu sample had no value (NaN or infinite) and was set to 0.",
                    "%s: %lu samples had no value (NaN or infinite) and were set to 0.",
                    replaced),
        name.c_str(), static_cast<unsigned long>(replaced)));
  }
  progress.report(1.0, {});
  return id;
}

}  // namespace astropack::gimp
