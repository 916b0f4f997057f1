// SPDX-License-Identifier: GPL-3.0-or-later
#include "astropack/haoiii.hpp"

#include "astropack/cfa.hpp"
#include "astropack/error.hpp"
#include "operation_support.hpp"

namespace astropack {

using process_detail::format_number;

namespace {

std::string with_filter(const std::string& old_filter, const char* band) {
  if (old_filter.empty()) return band;
  std::string name = old_filter;
  name.append("_").append(band);
  return name;
}

// The header of an extracted band: everything of the source except the CFA
// description, with the new filter name.
Header band_header(const Header& source, const char* band, bool half_size) {
  Header h = source;
  h.bayer_pattern.clear();
  h.bayer_offset_x = 0;
  h.bayer_offset_y = 0;
  if (half_size) {
    if (h.pixel_size_x) *h.pixel_size_x *= 2.0;
    if (h.pixel_size_y) *h.pixel_size_y *= 2.0;
  }
  h.filter = with_filter(source.filter, band);
  return h;
}

}  // namespace

HaOiiiImages extract_ha_oiii_cfa(const Image& cfa) {
  if (cfa.channels() != 1)
    throw Error(ErrorKind::InvalidInput,
                "Ha/OIII extraction from a CFA frame needs a one-channel (undebayered) image.");
  const auto phase = phase_at_origin(cfa.header(), cfa.height());
  if (!phase) {
    throw Error(ErrorKind::InvalidInput,
                "the image has no Bayer pattern (BAYERPAT RGGB, BGGR, GBRG or GRBG), so the red sites "
                "cannot be found; give a CFA frame or an RGB image.");
  }
  const std::size_t width = cfa.width() / 2, height = cfa.height() / 2;
  if (width == 0 || height == 0)
    throw Error(ErrorKind::InvalidInput, "the image is smaller than one 2x2 Bayer cell.");

  // Which of the four cell sites, in reading order, is red.
  int red_site = 0;
  for (int site = 0; site < 4; ++site)
    if (cfa_color(*phase, site / 2, site % 2) == CfaColor::Red) red_site = site;

  HaOiiiImages out{Image(width, height, 1), Image(width, height, 1)};
  out.ha.header() = band_header(cfa.header(), "Ha", true);
  out.oiii.header() = band_header(cfa.header(), "OIII", true);
  process_detail::for_each_row(height, width * height * 4, [&](std::size_t y) {
    const float* top = cfa.row(0, 2 * y);
    const float* bottom = cfa.row(0, 2 * y + 1);
    float* ha = out.ha.row(0, y);
    float* oiii = out.oiii.row(0, y);
    for (std::size_t x = 0; x < width; ++x) {
      const double site[4] = {top[2 * x], top[2 * x + 1], bottom[2 * x], bottom[2 * x + 1]};
      const double red = site[red_site];
      ha[x] = static_cast<float>(red);
      oiii[x] = static_cast<float>((site[0] + site[1] + site[2] + site[3] - red) / 3.0);
    }
  });
  return out;
}

HaOiiiImages extract_ha_oiii_rgb(const Image& rgb) {
  process_detail::require_rgb(rgb.view(), "Ha/OIII extraction from a colour image");
  const std::size_t width = rgb.width(), height = rgb.height();
  HaOiiiImages out{Image(width, height, 1), Image(width, height, 1)};
  out.ha.header() = band_header(rgb.header(), "Ha", false);
  out.oiii.header() = band_header(rgb.header(), "OIII", false);
  process_detail::for_each_row(height, width * height * 3, [&](std::size_t y) {
    const float* r = rgb.row(0, y);
    const float* g = rgb.row(1, y);
    const float* b = rgb.row(2, y);
    float* ha = out.ha.row(0, y);
    float* oiii = out.oiii.row(0, y);
    for (std::size_t x = 0; x < width; ++x) {
      ha[x] = r[x];
      oiii[x] = static_cast<float>(0.5 * (double(g[x]) + double(b[x])));
    }
  });
  return out;
}

HaOiiiImages extract_ha_oiii(const Image& image) {
  if (image.channels() == 3) return extract_ha_oiii_rgb(image);
  return extract_ha_oiii_cfa(image);
}

void BicolourMix::validate() const {
  const struct {
    double value;
    const char* what;
  } weights[] = {{red_ha, "the red channel's Ha weight"},
                 {red_oiii, "the red channel's OIII weight"},
                 {green_ha, "the green channel's Ha weight"},
                 {green_oiii, "the green channel's OIII weight"},
                 {blue_ha, "the blue channel's Ha weight"},
                 {blue_oiii, "the blue channel's OIII weight"}};
  for (const auto& w : weights) process_detail::require_range(w.value, 0.0, 2.0, w.what);
}

BicolourMix hoo_mix() noexcept { return {}; }

BicolourMix synthetic_green_mix(double ha_weight, double oiii_weight) noexcept {
  BicolourMix mix;
  mix.green_ha = ha_weight;
  mix.green_oiii = oiii_weight;
  return mix;
}

Image bicolour_palette(const Image& ha, const Image& oiii, const BicolourMix& mix) {
  mix.validate();
  if (ha.channels() != 1 || oiii.channels() != 1)
    throw Error(ErrorKind::InvalidInput,
                "a bicolour palette needs one-channel Ha and OIII images; extract them first.");
  if (ha.width() != oiii.width() || ha.height() != oiii.height()) {
    std::string sentence = "the Ha image is ";
    sentence.append(std::to_string(ha.width())).append("x").append(std::to_string(ha.height()));
    sentence.append(" but the OIII image is ").append(std::to_string(oiii.width())).append("x");
    sentence.append(std::to_string(oiii.height())).append("; register and crop them to the same size.");
    throw Error(ErrorKind::InvalidInput, sentence);
  }
  Image out(ha.width(), ha.height(), 3);
  out.header() = ha.header();
  out.header().filter.clear();
  const double w[3][2] = {{mix.red_ha, mix.red_oiii},
                          {mix.green_ha, mix.green_oiii},
                          {mix.blue_ha, mix.blue_oiii}};
  const std::size_t width = ha.width();
  process_detail::for_each_row(ha.height(), ha.pixel_count() * 3, [&](std::size_t y) {
    const float* h = ha.row(0, y);
    const float* o = oiii.row(0, y);
    for (std::size_t c = 0; c < 3; ++c) {
      float* dst = out.row(c, y);
      for (std::size_t x = 0; x < width; ++x)
        dst[x] = static_cast<float>(w[c][0] * double(h[x]) + w[c][1] * double(o[x]));
    }
  });
  return out;
}

std::string describe(const BicolourMix& mix) {
  std::string text = "palette R=";
  auto term = [&text](double a, double b) {
    text.append(format_number(a)).append("*Ha+").append(format_number(b)).append("*OIII");
  };
  term(mix.red_ha, mix.red_oiii);
  text.append(" G=");
  term(mix.green_ha, mix.green_oiii);
  text.append(" B=");
  term(mix.blue_ha, mix.blue_oiii);
  return text;
}

}  // namespace astropack
