// SPDX-License-Identifier: GPL-3.0-or-later
// Image metadata: typed fields parsed from the keywords capture programs and
// Siril use (first alias present wins, as in Siril), and every other card kept
// in its original order so that it is written back unchanged.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace astropack {

// One FITS header card. `value` is the value text as FITS writes it
// (strings keep their single quotes, logicals are T/F); empty for commentary cards.
struct Card {
  std::string keyword;
  std::string value;
  std::string comment;

  bool operator==(const Card&) const = default;
};

// Builds a card from a C++ value with FITS formatting.
Card make_card(std::string_view keyword, std::string_view text, std::string_view comment = {});
Card make_card(std::string_view keyword, double number, std::string_view comment = {});
Card make_card(std::string_view keyword, long long integer, std::string_view comment = {});
Card make_logical_card(std::string_view keyword, bool value, std::string_view comment = {});

// The string inside a FITS string value ('abc  ' -> "abc"), or the text unchanged.
std::string unquote_fits_string(std::string_view value);

struct Header {
  std::optional<double> exposure;        // s          EXPTIME, EXPOSURE
  std::optional<double> temperature;     // deg C      CCD-TEMP, CCD_TEMP, CCDTEMP, TEMPERAT
  std::optional<double> set_temperature; // deg C      SET-TEMP
  std::optional<double> gain;            // setting    GAIN
  std::optional<double> offset;          // setting    OFFSET, BLKLEVEL
  std::optional<double> electrons_per_adu;  //         CVF, EGAIN
  std::optional<int> iso;                // ISOSPEED
  std::optional<double> pixel_size_x;    // um         XPIXSZ, XPIXELSZ, PIXSIZE1, PIXSIZEX
  std::optional<double> pixel_size_y;    // um         YPIXSZ, YPIXELSZ, PIXSIZE2, PIXSIZEY
  std::optional<double> focal_length;    // mm         FOCALLEN, FOCAL (or FLENGTH in m)
  int binning_x = 1;                     // XBINNING, BINX
  int binning_y = 1;                     // YBINNING, BINY
  std::string date_obs;                  // ISO 8601   DATE-OBS
  std::string filter;                    // FILTER, FILT-1
  std::string image_type;                // IMAGETYP, FRAMETYP (e.g. "Light Frame")
  std::string instrument;                // INSTRUME
  std::string telescope;                 // TELESCOP
  std::string observer;                  // OBSERVER
  std::string object;                    // OBJECT
  std::string bayer_pattern;             // BAYERPAT (RGGB, BGGR, GBRG, GRBG or X-Trans)
  int bayer_offset_x = 0;                // XBAYROFF
  int bayer_offset_y = 0;                // YBAYROFF
  std::string row_order;                 // ROWORDER (TOP-DOWN, BOTTOM-UP or empty)
  std::optional<int> stack_count;        // STACKCNT, NCOMBINE
  std::optional<double> live_time;       // s          LIVETIME
  std::vector<std::string> history;      // HISTORY
  // Every other card, in file order (COMMENT cards included). Structural
  // keywords (SIMPLE, BITPIX, NAXISn, EXTEND, BZERO, BSCALE, DATAMAX, ...) are never kept here.
  std::vector<Card> other_cards;

  bool is_cfa() const noexcept { return !bayer_pattern.empty(); }

  // Parses cards read from a file. Structural keywords are dropped.
  static Header from_cards(const std::vector<Card>& cards);
  // The cards to write after the structural ones: typed fields in Siril's order,
  // then the other cards, then HISTORY.
  std::vector<Card> to_cards() const;

  // The value text of another card by keyword, if present.
  const Card* find_other(std::string_view keyword) const noexcept;
  void set_other(Card card);
};

// True for the keywords a FITS writer produces itself (SIMPLE, BITPIX, NAXISn, ...).
bool is_structural_keyword(std::string_view keyword) noexcept;

}  // namespace astropack
