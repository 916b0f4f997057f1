// SPDX-License-Identifier: GPL-3.0-or-later
// Ha/OIII extraction: the red site for every ROWORDER / BAYERPAT / offset case
// Siril was seen to use (siril-compat.md E4), sizes, headers; RGB extraction;
// bicolour palettes and their errors.
#include <string>

#include "astropack/error.hpp"
#include "astropack/haoiii.hpp"
#include "check_main.hpp"

using namespace astropack;

namespace {

// Each 2x2 cell gets a base level; its stored sites (0,0) (0,1) (1,0) (1,1)
// add 0.01, 0.02, 0.03, 0.04, so every site is recognisable.
double site_value(std::size_t row, std::size_t col) {
  const double base = 0.1 + 0.001 * double(row / 2) + 0.0001 * double(col / 2);
  return base + 0.01 * double(1 + (row % 2) * 2 + (col % 2));
}

Image cfa(std::size_t width, std::size_t height, const char* pattern, const char* row_order,
          int x_offset = 0, int y_offset = 0) {
  Image image(width, height, 1);
  for (std::size_t y = 0; y < height; ++y)
    for (std::size_t x = 0; x < width; ++x) image.at(0, y, x) = float(site_value(y, x));
  image.header().bayer_pattern = pattern;
  image.header().row_order = row_order;
  image.header().bayer_offset_x = x_offset;
  image.header().bayer_offset_y = y_offset;
  return image;
}

// Checks Ha = the site at stored (red_row, red_col) of every cell and OIII = the mean of the others.
void check_red_site(const Image& input, std::size_t red_row, std::size_t red_col) {
  const HaOiiiImages out = extract_ha_oiii_cfa(input);
  ck_assert_uint_eq(out.ha.width(), input.width() / 2);
  ck_assert_uint_eq(out.ha.height(), input.height() / 2);
  for (std::size_t y = 0; y < out.ha.height(); ++y)
    for (std::size_t x = 0; x < out.ha.width(); ++x) {
      double sum = 0;
      for (std::size_t dr = 0; dr < 2; ++dr)
        for (std::size_t dc = 0; dc < 2; ++dc) sum += float(site_value(2 * y + dr, 2 * x + dc));
      const double red = float(site_value(2 * y + red_row, 2 * x + red_col));
      ck_assert_double_eq_tol(out.ha.at(0, y, x), red, 1e-7);
      ck_assert_double_eq_tol(out.oiii.at(0, y, x), (sum - red) / 3.0, 1e-7);
    }
}

}  // namespace

START_TEST(red_site_for_every_siril_case) {
  // siril-compat.md E4 (RGGB): where siril-cli 1.0.6 took the red site from.
  check_red_site(cfa(64, 48, "RGGB", ""), 0, 0);                // no ROWORDER (top-down)
  check_red_site(cfa(64, 48, "RGGB", "TOP-DOWN"), 0, 0);
  check_red_site(cfa(64, 48, "RGGB", "BOTTOM-UP"), 1, 0);       // even height
  check_red_site(cfa(64, 47, "RGGB", "BOTTOM-UP"), 0, 0);       // odd height
  check_red_site(cfa(64, 48, "RGGB", "TOP-DOWN", 1, 0), 0, 1);  // XBAYROFF=1
  check_red_site(cfa(64, 48, "RGGB", "BOTTOM-UP", 0, 1), 0, 0); // YBAYROFF=1
  // The other patterns, top-down.
  check_red_site(cfa(64, 48, "BGGR", "TOP-DOWN"), 1, 1);
  check_red_site(cfa(64, 48, "GBRG", "TOP-DOWN"), 1, 0);
  check_red_site(cfa(64, 48, "GRBG", "TOP-DOWN"), 0, 1);
  check_red_site(cfa(65, 47, "GRBG", ""), 0, 1);                // odd width too
}
END_TEST

START_TEST(extracted_headers) {
  Image input = cfa(20, 10, "RGGB", "BOTTOM-UP", 1, 1);
  input.header().pixel_size_x = 3.76;
  input.header().pixel_size_y = 3.76;
  input.header().exposure = 120.0;
  HaOiiiImages out = extract_ha_oiii(input);
  for (const Image* band : {&out.ha, &out.oiii}) {
    ck_assert(band->header().bayer_pattern.empty());
    ck_assert_int_eq(band->header().bayer_offset_x, 0);
    ck_assert_int_eq(band->header().bayer_offset_y, 0);
    ck_assert_str_eq(band->header().row_order.c_str(), "BOTTOM-UP");
    ck_assert_double_eq_tol(*band->header().pixel_size_x, 7.52, 1e-12);
    ck_assert_double_eq_tol(*band->header().pixel_size_y, 7.52, 1e-12);
    ck_assert_double_eq(*band->header().exposure, 120.0);
  }
  ck_assert_str_eq(out.ha.header().filter.c_str(), "Ha");
  ck_assert_str_eq(out.oiii.header().filter.c_str(), "OIII");
  input.header().filter = "L-eXtreme";
  out = extract_ha_oiii(input);
  ck_assert_str_eq(out.ha.header().filter.c_str(), "L-eXtreme_Ha");
  ck_assert_str_eq(out.oiii.header().filter.c_str(), "L-eXtreme_OIII");
}
END_TEST

START_TEST(non_bayer_inputs_are_refused) {
  auto refused = [](const Image& image) {
    try {
      extract_ha_oiii(image);
    } catch (const Error& e) {
      return e.kind() == ErrorKind::InvalidInput;
    }
    return false;
  };
  ck_assert(refused(Image(8, 8, 1)));  // no BAYERPAT
  Image xtrans = cfa(12, 12, "GGRGGBGGBGGRBRGRBGGGBGGRGGRGGBRBGBRG", "");
  ck_assert(refused(xtrans));
  ck_assert(refused(cfa(1, 5, "RGGB", "")));  // no whole cell
}
END_TEST

START_TEST(rgb_extraction) {
  Image rgb(3, 2, 3);
  for (std::size_t y = 0; y < 2; ++y)
    for (std::size_t x = 0; x < 3; ++x) {
      rgb.at(0, y, x) = float(0.1 * double(x + 1));
      rgb.at(1, y, x) = float(0.2 + 0.01 * double(y));
      rgb.at(2, y, x) = float(0.4);
    }
  rgb.header().pixel_size_x = 4.0;
  const HaOiiiImages out = extract_ha_oiii(rgb);
  ck_assert_uint_eq(out.ha.width(), 3);
  ck_assert_uint_eq(out.ha.height(), 2);
  ck_assert_float_eq(out.ha.at(0, 1, 2), rgb.at(0, 1, 2));
  ck_assert_double_eq_tol(out.oiii.at(0, 1, 2), 0.305, 1e-7);  // (0.21 + 0.4) / 2
  ck_assert_double_eq(*out.ha.header().pixel_size_x, 4.0);     // full size: unchanged
  ck_assert_str_eq(out.oiii.header().filter.c_str(), "OIII");
}
END_TEST

START_TEST(palettes) {
  Image ha(2, 1, 1), oiii(2, 1, 1);
  ha.at(0, 0, 0) = 0.8f;
  ha.at(0, 0, 1) = 0.2f;
  oiii.at(0, 0, 0) = 0.3f;
  oiii.at(0, 0, 1) = 0.6f;
  ha.header().filter = "Ha";
  Image hoo = bicolour_palette(ha, oiii, hoo_mix());
  ck_assert_uint_eq(hoo.channels(), 3);
  ck_assert_float_eq(hoo.at(0, 0, 0), 0.8f);
  ck_assert_float_eq(hoo.at(1, 0, 0), 0.3f);
  ck_assert_float_eq(hoo.at(2, 0, 1), 0.6f);
  ck_assert(hoo.header().filter.empty());
  Image synthetic = bicolour_palette(ha, oiii, synthetic_green_mix(0.3, 0.7));
  ck_assert_double_eq_tol(synthetic.at(1, 0, 0), 0.3 * 0.8 + 0.7 * 0.3, 1e-7);
  ck_assert_double_eq_tol(synthetic.at(1, 0, 1), 0.3 * 0.2 + 0.7 * 0.6, 1e-7);
  ck_assert_float_eq(synthetic.at(0, 0, 1), 0.2f);
  ck_assert_float_eq(synthetic.at(2, 0, 1), 0.6f);
  BicolourMix blend;
  blend.red_ha = 0.9;
  blend.red_oiii = 0.1;
  blend.green_ha = 0.4;
  blend.green_oiii = 0.6;
  blend.blue_ha = 0.0;
  blend.blue_oiii = 1.2;  // no clamping: 0.72
  Image mixed = bicolour_palette(ha, oiii, blend);
  ck_assert_double_eq_tol(mixed.at(0, 0, 1), 0.9 * 0.2 + 0.1 * 0.6, 1e-7);
  ck_assert_double_eq_tol(mixed.at(2, 0, 1), 0.72, 1e-7);

  auto error_of = [](auto fn) -> std::string {
    try {
      fn();
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  };
  ck_assert(error_of([&] { bicolour_palette(ha, Image(3, 1, 1), hoo_mix()); }).find("3x1") !=
            std::string::npos);
  ck_assert(error_of([&] { bicolour_palette(Image(2, 1, 3), oiii, hoo_mix()); })
                .find("one-channel") != std::string::npos);
  ck_assert(error_of([&] { bicolour_palette(ha, oiii, synthetic_green_mix(3.0, 0.5)); })
                .find("between 0 and 2") != std::string::npos);
}
END_TEST

int main() {
  Suite* s = suite_create("haoiii");
  TCase* tc = tcase_create("haoiii");
  ADD_TEST(tc, red_site_for_every_siril_case);
  ADD_TEST(tc, extracted_headers);
  ADD_TEST(tc, non_bayer_inputs_are_refused);
  ADD_TEST(tc, rgb_extraction);
  ADD_TEST(tc, palettes);
  suite_add_tcase(s, tc);
  return astropack::test::run_suite(s);
}
