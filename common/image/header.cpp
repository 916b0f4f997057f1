// SPDX-License-Identifier: GPL-3.0-or-later
#include "astropack/header.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace astropack {

namespace {

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(' ');
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(' ');
  return std::string(text.substr(first, last - first + 1));
}

std::optional<double> parse_number(std::string_view value) {
  const std::string text = unquote_fits_string(value);
  if (text.empty()) return std::nullopt;
  // FITS allows D as an exponent letter.
  std::string normalised = text;
  std::replace(normalised.begin(), normalised.end(), 'D', 'E');
  char* end = nullptr;
  const double number = std::strtod(normalised.c_str(), &end);
  if (end == normalised.c_str() || !std::isfinite(number)) return std::nullopt;
  return number;
}

// The typed fields, each with its aliases; the first alias present wins.
struct CardRule {
  std::array<std::string_view, 4> aliases;
  void (*read)(Header&, const Card&);
};

template <typename T>
void set_if_number(std::optional<T>& field, const Card& card) {
  if (auto number = parse_number(card.value)) field = static_cast<T>(*number);
}

const std::array<CardRule, 26> kRules = {{
    {{"EXPTIME", "EXPOSURE"}, [](Header& h, const Card& c) { set_if_number(h.exposure, c); }},
    {{"CCD-TEMP", "CCD_TEMP", "CCDTEMP", "TEMPERAT"},
     [](Header& h, const Card& c) { set_if_number(h.temperature, c); }},
    {{"SET-TEMP"}, [](Header& h, const Card& c) { set_if_number(h.set_temperature, c); }},
    {{"GAIN"}, [](Header& h, const Card& c) { set_if_number(h.gain, c); }},
    {{"OFFSET", "BLKLEVEL"}, [](Header& h, const Card& c) { set_if_number(h.offset, c); }},
    {{"CVF", "EGAIN"}, [](Header& h, const Card& c) { set_if_number(h.electrons_per_adu, c); }},
    {{"ISOSPEED"}, [](Header& h, const Card& c) { set_if_number(h.iso, c); }},
    {{"XPIXSZ", "XPIXELSZ", "PIXSIZE1", "PIXSIZEX"},
     [](Header& h, const Card& c) { set_if_number(h.pixel_size_x, c); }},
    {{"YPIXSZ", "YPIXELSZ", "PIXSIZE2", "PIXSIZEY"},
     [](Header& h, const Card& c) { set_if_number(h.pixel_size_y, c); }},
    {{"FOCALLEN", "FOCAL"}, [](Header& h, const Card& c) { set_if_number(h.focal_length, c); }},
    {{"FLENGTH"},
     [](Header& h, const Card& c) {
       if (auto metres = parse_number(c.value); metres && !h.focal_length)
         h.focal_length = *metres * 1000.0;
     }},
    {{"XBINNING", "BINX"},
     [](Header& h, const Card& c) {
       if (auto n = parse_number(c.value)) h.binning_x = *n > 0 ? static_cast<int>(*n) : 1;
     }},
    {{"YBINNING", "BINY"},
     [](Header& h, const Card& c) {
       if (auto n = parse_number(c.value)) h.binning_y = *n > 0 ? static_cast<int>(*n) : 1;
     }},
    {{"DATE-OBS"}, [](Header& h, const Card& c) { h.date_obs = unquote_fits_string(c.value); }},
    {{"FILTER", "FILT-1"}, [](Header& h, const Card& c) { h.filter = unquote_fits_string(c.value); }},
    {{"IMAGETYP", "FRAMETYP"},
     [](Header& h, const Card& c) { h.image_type = unquote_fits_string(c.value); }},
    {{"INSTRUME"}, [](Header& h, const Card& c) { h.instrument = unquote_fits_string(c.value); }},
    {{"TELESCOP"}, [](Header& h, const Card& c) { h.telescope = unquote_fits_string(c.value); }},
    {{"OBSERVER"}, [](Header& h, const Card& c) { h.observer = unquote_fits_string(c.value); }},
    {{"OBJECT"}, [](Header& h, const Card& c) { h.object = unquote_fits_string(c.value); }},
    {{"BAYERPAT"},
     [](Header& h, const Card& c) { h.bayer_pattern = unquote_fits_string(c.value); }},
    {{"XBAYROFF"},
     [](Header& h, const Card& c) {
       if (auto n = parse_number(c.value)) h.bayer_offset_x = static_cast<int>(*n);
     }},
    {{"YBAYROFF"},
     [](Header& h, const Card& c) {
       if (auto n = parse_number(c.value)) h.bayer_offset_y = static_cast<int>(*n);
     }},
    {{"ROWORDER"}, [](Header& h, const Card& c) { h.row_order = unquote_fits_string(c.value); }},
    {{"STACKCNT", "NCOMBINE"}, [](Header& h, const Card& c) { set_if_number(h.stack_count, c); }},
    {{"LIVETIME"}, [](Header& h, const Card& c) { set_if_number(h.live_time, c); }},
}};

const CardRule* rule_for(std::string_view keyword, std::size_t* alias_rank) {
  for (const auto& rule : kRules) {
    for (std::size_t i = 0; i < rule.aliases.size(); ++i) {
      if (!rule.aliases[i].empty() && rule.aliases[i] == keyword) {
        *alias_rank = i;
        return &rule;
      }
    }
  }
  return nullptr;
}

std::string format_real(double number) {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.15G", number);
  std::string text = buffer;
  if (text.find_first_of(".EN") == std::string::npos) text += '.';
  return text;
}

bool is_integral(double number) {
  return std::isfinite(number) && number == std::floor(number) && std::fabs(number) < 1e15;
}

}  // namespace

Card make_card(std::string_view keyword, std::string_view text, std::string_view comment) {
  std::string quoted = "'";
  for (char ch : text) {
    quoted += ch;
    if (ch == '\'') quoted += '\'';  // FITS doubles a quote inside a string
  }
  quoted += '\'';
  return {std::string(keyword), quoted, std::string(comment)};
}

Card make_card(std::string_view keyword, double number, std::string_view comment) {
  return {std::string(keyword), format_real(number), std::string(comment)};
}

Card make_card(std::string_view keyword, long long integer, std::string_view comment) {
  return {std::string(keyword), std::to_string(integer), std::string(comment)};
}

Card make_logical_card(std::string_view keyword, bool value, std::string_view comment) {
  return {std::string(keyword), value ? "T" : "F", std::string(comment)};
}

std::string unquote_fits_string(std::string_view value) {
  const std::string text = trim(value);
  if (text.size() < 2 || text.front() != '\'' || text.back() != '\'') return text;
  std::string inner;
  for (std::size_t i = 1; i + 1 < text.size(); ++i) {
    inner += text[i];
    if (text[i] == '\'' && i + 2 < text.size() && text[i + 1] == '\'') ++i;
  }
  // Trailing blanks in FITS strings are not significant.
  while (!inner.empty() && inner.back() == ' ') inner.pop_back();
  return inner;
}

bool is_structural_keyword(std::string_view keyword) noexcept {
  static constexpr std::array<std::string_view, 20> exact = {
      "SIMPLE", "BITPIX", "NAXIS", "EXTEND", "BZERO", "BSCALE", "DATAMAX", "DATAMIN",
      "PCOUNT", "GCOUNT", "XTENSION", "END", "CHECKSUM", "DATASUM", "PROGRAM", "MIPS-HI",
      "MIPS-LO", "MIPS-FHI", "MIPS-FLO", "EXTNAME"};
  if (std::find(exact.begin(), exact.end(), keyword) != exact.end()) return true;
  if (keyword.starts_with("NAXIS")) return true;
  // Tile-compression bookkeeping that CFITSIO manages itself.
  return keyword.starts_with("ZIMAGE") || keyword.starts_with("ZBITPIX") ||
         keyword.starts_with("ZNAXIS") || keyword.starts_with("ZTILE") ||
         keyword.starts_with("ZCMPTYPE") || keyword.starts_with("ZNAME") ||
         keyword.starts_with("ZVAL") || keyword.starts_with("ZQUANTIZ") ||
         keyword.starts_with("ZSIMPLE") || keyword.starts_with("ZEXTEND") ||
         keyword.starts_with("ZPCOUNT") || keyword.starts_with("ZGCOUNT") ||
         keyword.starts_with("ZDITHER") || keyword.starts_with("ZTENSION");
}

Header Header::from_cards(const std::vector<Card>& cards) {
  Header header;
  // Remember which alias set each typed field so that a higher-priority alias wins.
  std::vector<std::pair<const CardRule*, std::size_t>> seen;
  for (const Card& card : cards) {
    if (card.keyword == "HISTORY") {
      header.history.push_back(trim(card.comment.empty() ? card.value : card.comment));
      continue;
    }
    if (is_structural_keyword(card.keyword)) continue;
    std::size_t rank = 0;
    const CardRule* rule = rule_for(card.keyword, &rank);
    if (rule == nullptr) {
      header.other_cards.push_back(card);
      continue;
    }
    auto previous = std::find_if(seen.begin(), seen.end(),
                                 [rule](const auto& entry) { return entry.first == rule; });
    if (previous != seen.end() && previous->second <= rank) continue;
    rule->read(header, card);
    if (previous != seen.end()) previous->second = rank;
    else seen.emplace_back(rule, rank);
  }
  return header;
}

std::vector<Card> Header::to_cards() const {
  std::vector<Card> cards;
  auto add_text = [&](std::string_view key, const std::string& text, std::string_view comment) {
    if (!text.empty()) cards.push_back(make_card(key, text, comment));
  };
  auto add_real = [&](std::string_view key, const std::optional<double>& number,
                      std::string_view comment) {
    if (number) cards.push_back(make_card(key, *number, comment));
  };
  auto add_setting = [&](std::string_view key, const std::optional<double>& number,
                         std::string_view comment) {
    if (!number) return;
    if (is_integral(*number)) cards.push_back(make_card(key, static_cast<long long>(*number), comment));
    else cards.push_back(make_card(key, *number, comment));
  };

  if (row_order == "TOP-DOWN" || row_order == "BOTTOM-UP")
    add_text("ROWORDER", row_order, "Order of the rows in image array");
  add_text("INSTRUME", instrument, "Instrument name");
  add_text("TELESCOP", telescope, "Telescope used to acquire this image");
  add_text("OBSERVER", observer, "Observer name");
  add_text("DATE-OBS", date_obs, "UTC start of the observation");
  if (stack_count) cards.push_back(make_card("STACKCNT", static_cast<long long>(*stack_count),
                                             "Stack frames"));
  add_real("EXPTIME", exposure, "[s] Exposure time duration");
  add_real("LIVETIME", live_time, "[s] Exposure time after deadtime correction");
  add_real("XPIXSZ", pixel_size_x, "[um] X pixel size microns");
  add_real("YPIXSZ", pixel_size_y, "[um] Y pixel size microns");
  cards.push_back(make_card("XBINNING", static_cast<long long>(binning_x), "Camera binning mode"));
  cards.push_back(make_card("YBINNING", static_cast<long long>(binning_y), "Camera binning mode"));
  add_real("FOCALLEN", focal_length, "[mm] Camera focal length");
  add_real("CCD-TEMP", temperature, "[degC] CCD temperature");
  add_real("SET-TEMP", set_temperature, "[degC] CCD temperature setpoint");
  add_text("FILTER", filter, "Active filter name");
  add_text("IMAGETYP", image_type, "Type of image");
  add_text("OBJECT", object, "Name of the object of interest");
  if (iso) cards.push_back(make_card("ISOSPEED", static_cast<long long>(*iso), "ISO camera setting"));
  if (!bayer_pattern.empty()) {
    add_text("BAYERPAT", bayer_pattern, "Bayer color pattern");
    cards.push_back(make_card("XBAYROFF", static_cast<long long>(bayer_offset_x),
                              "X offset of Bayer array"));
    cards.push_back(make_card("YBAYROFF", static_cast<long long>(bayer_offset_y),
                              "Y offset of Bayer array"));
  }
  add_setting("GAIN", gain, "Camera gain");
  add_setting("OFFSET", offset, "Camera offset");
  add_real("CVF", electrons_per_adu, "[e-/ADU] Electrons per A/D unit");
  for (const Card& card : other_cards) cards.push_back(card);
  for (const std::string& line : history) cards.push_back({"HISTORY", "", line});
  return cards;
}

const Card* Header::find_other(std::string_view keyword) const noexcept {
  for (const Card& card : other_cards)
    if (card.keyword == keyword) return &card;
  return nullptr;
}

void Header::set_other(Card card) {
  for (Card& existing : other_cards) {
    if (existing.keyword == card.keyword) {
      existing = std::move(card);
      return;
    }
  }
  other_cards.push_back(std::move(card));
}

}  // namespace astropack
