// SPDX-License-Identifier: GPL-3.0-or-later
#include "fits_save.hpp"

#include <filesystem>
#include <string>

#include "astropack/error.hpp"
#include "gimp_progress.hpp"
#include "header_parasite.hpp"
#include "host.hpp"
#include "i18n.hpp"

namespace astropack::gimp {

namespace {

// Samples a 16-bit file cannot hold: below 0, above 1, or no value.
std::size_t count_outside_unit_range(ConstImageView pixels) {
  std::size_t count = 0;
  for (std::size_t c = 0; c < pixels.channels(); ++c)
    for (std::size_t y = 0; y < pixels.height(); ++y) {
      const float* row = pixels.row(c, y);
      for (std::size_t x = 0; x < pixels.width(); ++x)
        if (!(row[x] >= 0.0f && row[x] <= 1.0f)) ++count;
    }
  return count;
}

}  // namespace

SampleFormat sample_format_for_bits(gint32 bits) {
  switch (bits) {
    case 0:
    case 32: return SampleFormat::Float32;
    case 16: return SampleFormat::UInt16;
    default:
      throw Error(ErrorKind::InvalidArgument,
                  format_text(_("The sample format must be 16 (16-bit unsigned) or 32 (32-bit "
                                "float), not %d."),
                              static_cast<int>(bits)));
  }
}

void save_fits_drawable(gint32 image, gint32 drawable, const char* filename,
                        SampleFormat format) {
  if (filename == nullptr || *filename == '\0')
    throw Error(ErrorKind::InvalidArgument, _("No file name was given."));
  const std::filesystem::path file(filename);
  const std::string name = file.filename().string();

  GimpProgress progress(format_text(_("Saving '%s'"), name.c_str()));
  const Image pixels = read_drawable(drawable, progress);
  const Header header = find_header(image).value_or(Header{});
  write_fits(file, pixels.view(), header, format);

  gint layers = 0;
  g_free(gimp_image_get_layers(image, &layers));
  if (layers > 1) {
    gchar* layer_name = gimp_item_get_name(drawable);
    message(format_text(_("%s: only the layer '%s' was saved; flatten the image first to save "
                          "all of it."),
                        name.c_str(), layer_name != nullptr ? layer_name : ""));
    g_free(layer_name);
  }
  if (gimp_drawable_has_alpha(drawable))
    message(format_text(_("%s: FITS has no transparency; the alpha channel was not saved."),
                        name.c_str()));
  if (format == SampleFormat::UInt16) {
    if (const std::size_t clipped = count_outside_unit_range(pixels.view())) {
      message(format_text(
          g_dngettext(GETTEXT_PACKAGE,
                      "%s: %lu sample lay outside 0..1 and was clipped to fit 16 bits; save "
                      "as 32-bit float to keep it.",
                      "%s: %lu samples lay outside 0..1 and were clipped to fit 16 bits; save "
                      "as 32-bit float to keep them.",
                      clipped),
          name.c_str(), static_cast<unsigned long>(clipped)));
    }
  }
  progress.report(1.0, {});
}

}  // namespace astropack::gimp
