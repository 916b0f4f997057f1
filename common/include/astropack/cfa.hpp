// SPDX-License-Identifier: GPL-3.0-or-later
// Bayer colour filter geometry. A CfaPattern names the colours of a 2x2 cell
// starting at a given stored pixel; phase_at_origin() turns the header's
// BAYERPAT, offsets and ROWORDER into the pattern of stored row 0, column 0,
// exactly as Siril does (siril-compat.md section 1.6). It is the one place
// where that rule lives.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace astropack {

struct Header;

enum class CfaColor { Red = 0, Green = 1, Blue = 2 };

enum class CfaPattern { RGGB, BGGR, GBRG, GRBG };

std::optional<CfaPattern> parse_cfa_pattern(std::string_view text) noexcept;
std::string_view to_string(CfaPattern pattern) noexcept;

// The pattern seen one column to the right / one row further.
CfaPattern shift_column(CfaPattern pattern) noexcept;
CfaPattern shift_row(CfaPattern pattern) noexcept;

// Colour of the pixel at (row, column) for a pattern that starts at (0, 0).
CfaColor cfa_color(CfaPattern origin, std::size_t row, std::size_t column) noexcept;

// Pattern of stored row 0, column 0 of an image with this header and height,
// or nothing when the header has no (Bayer) BAYERPAT.
std::optional<CfaPattern> phase_at_origin(const Header& header, std::size_t height);

}  // namespace astropack
