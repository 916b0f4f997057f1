// SPDX-License-Identifier: GPL-3.0-or-later
// The FITS header travels with a GIMP image as a parasite, so that saving writes
// back what loading read (exposure, object, WCS, HISTORY...). The parasite is
// persistent (kept in XCF files) and undoable.
//
// Its text: a first line "astropack-fits-header 1", then one card per line as
// keyword TAB value TAB comment, where the value is the FITS value text (strings
// keep their quotes) and backslash, tab and newline are escaped as \\ \t \n.
// Structural keywords (SIMPLE, BITPIX, NAXISn, BZERO...) are not stored: the
// writer makes them from the pixels.
#pragma once

#include <libgimp/gimp.h>

#include <optional>
#include <string>
#include <string_view>

#include "astropack/header.hpp"

namespace astropack::gimp {

inline constexpr const char* kHeaderParasite = "astropack-fits-header";

std::string header_to_text(const Header& header);
// Throws Error(InvalidInput) when the text is not in the format above.
Header header_from_text(std::string_view text);

// Attaches (or replaces) the parasite on `image`.
void attach_header(gint32 image, const Header& header);
// The header stored on `image`, if any.
std::optional<Header> find_header(gint32 image);

}  // namespace astropack::gimp
