// SPDX-License-Identifier: GPL-3.0-or-later
// Image model: views, header cards and typed metadata, CFA phase, atomic outputs.
#include <fstream>

#include "astropack/cfa.hpp"
#include "astropack/error.hpp"
#include "astropack/header.hpp"
#include "astropack/image.hpp"
#include "astropack/output_file.hpp"
#include "check_main.hpp"

using namespace astropack;
namespace fs = std::filesystem;

START_TEST(views_address_planar_rows) {
  Image image(4, 3, 3);
  for (std::size_t c = 0; c < 3; ++c)
    for (std::size_t y = 0; y < 3; ++y)
      for (std::size_t x = 0; x < 4; ++x) image.at(c, y, x) = float(100 * c + 10 * y + x);
  ImageView view = image.view();
  ck_assert_float_eq(view.at(2, 1, 3), 213.0f);
  ImageView band = view.band(1, 2);
  ck_assert_uint_eq(band.height(), 2);
  ck_assert_float_eq(band.at(1, 0, 0), 110.0f);
  ConstImageView green = ConstImageView(view).plane(1);
  ck_assert_uint_eq(green.channels(), 1);
  ck_assert_float_eq(green.at(0, 2, 1), 121.0f);
}
END_TEST

START_TEST(image_refuses_odd_channel_counts) {
  bool thrown = false;
  try {
    Image image(2, 2, 2);
  } catch (const Error& e) {
    thrown = e.kind() == ErrorKind::Unsupported;
  }
  ck_assert(thrown);
}
END_TEST

START_TEST(header_reads_aliases_first_alias_wins) {
  std::vector<Card> cards = {
      {"SIMPLE", "T", ""},         {"BITPIX", "16", ""},         {"EXPOSURE", "30.", ""},
      {"EXPTIME", "60.", ""},      {"CCD_TEMP", "-10.5", ""},    {"EGAIN", "0.25", ""},
      {"FLENGTH", "0.4", ""},      {"BAYERPAT", "'RGGB    '", ""}, {"XBINNING", "0", ""},
      {"SITELAT", "'+45 00'", "site"}, {"HISTORY", "", "calibrated"}, {"NAXIS1", "10", ""},
      {"IMAGETYP", "'Dark Frame'", ""}, {"GAIN", "120", ""},     {"ISOSPEED", "800", ""}};
  Header h = Header::from_cards(cards);
  ck_assert_double_eq(*h.exposure, 60.0);  // EXPTIME outranks EXPOSURE whatever the order
  ck_assert_double_eq(*h.temperature, -10.5);
  ck_assert_double_eq(*h.electrons_per_adu, 0.25);
  ck_assert_double_eq_tol(*h.focal_length, 400.0, 1e-9);
  ck_assert_str_eq(h.bayer_pattern.c_str(), "RGGB");
  ck_assert_int_eq(h.binning_x, 1);  // <= 0 means 1, as Siril reads it
  ck_assert_str_eq(h.image_type.c_str(), "Dark Frame");
  ck_assert_int_eq(*h.iso, 800);
  ck_assert_uint_eq(h.other_cards.size(), 1);
  ck_assert_str_eq(h.other_cards[0].keyword.c_str(), "SITELAT");
  ck_assert_uint_eq(h.history.size(), 1);
  ck_assert_str_eq(h.history[0].c_str(), "calibrated");
}
END_TEST

START_TEST(header_cards_round_trip) {
  Header h;
  h.exposure = 120.0;
  h.temperature = -5.0;
  h.gain = 100;
  h.offset = 50;
  h.filter = "Ha";
  h.image_type = "Light Frame";
  h.instrument = "ZWO ASI2600MM Pro";
  h.object = "It's M42";  // a quote inside a string
  h.bayer_pattern = "GRBG";
  h.bayer_offset_x = 1;
  h.row_order = "BOTTOM-UP";
  h.stack_count = 7;
  h.live_time = 840.0;
  h.date_obs = "2026-11-01T21:03:04.5";
  h.other_cards.push_back(make_card("SITELONG", 12.5, "east"));
  h.history.push_back("made by a test");
  Header back = Header::from_cards(h.to_cards());
  ck_assert_double_eq(*back.exposure, 120.0);
  ck_assert_double_eq(*back.temperature, -5.0);
  ck_assert_double_eq(*back.gain, 100);
  ck_assert_str_eq(back.object.c_str(), "It's M42");
  ck_assert_str_eq(back.instrument.c_str(), "ZWO ASI2600MM Pro");
  ck_assert_str_eq(back.bayer_pattern.c_str(), "GRBG");
  ck_assert_int_eq(back.bayer_offset_x, 1);
  ck_assert_str_eq(back.row_order.c_str(), "BOTTOM-UP");
  ck_assert_int_eq(*back.stack_count, 7);
  ck_assert_str_eq(back.date_obs.c_str(), h.date_obs.c_str());
  ck_assert(back.other_cards == h.other_cards);
  ck_assert(back.history == h.history);
}
END_TEST

START_TEST(cfa_phase_follows_siril) {
  // siril-compat.md E4: where the red site of an RGGB frame lands in storage.
  auto red_site = [](const char* roworder, int xoff, int yoff, std::size_t height) {
    Header h;
    h.bayer_pattern = "RGGB";
    h.row_order = roworder;
    h.bayer_offset_x = xoff;
    h.bayer_offset_y = yoff;
    const CfaPattern p = *phase_at_origin(h, height);
    for (int r = 0; r < 2; ++r)
      for (int c = 0; c < 2; ++c)
        if (cfa_color(p, r, c) == CfaColor::Red) return r * 10 + c;
    return -1;
  };
  ck_assert_int_eq(red_site("", 0, 0, 48), 0);
  ck_assert_int_eq(red_site("TOP-DOWN", 0, 0, 48), 0);
  ck_assert_int_eq(red_site("BOTTOM-UP", 0, 0, 48), 10);
  ck_assert_int_eq(red_site("BOTTOM-UP", 0, 0, 47), 0);
  ck_assert_int_eq(red_site("TOP-DOWN", 1, 0, 48), 1);
  ck_assert_int_eq(red_site("BOTTOM-UP", 0, 1, 48), 0);
  Header mono;
  ck_assert(!phase_at_origin(mono, 48).has_value());
}
END_TEST

START_TEST(output_file_is_atomic) {
  const fs::path folder = test::scratch_folder("output");
  const fs::path target = folder / "out.fit";
  {
    OutputFile out(target);
    std::ofstream(out.temporary()) << "partial";
    // destroyed without commit: nothing may remain
  }
  ck_assert(!fs::exists(target));
  ck_assert(fs::is_empty(folder));
  {
    OutputFile out(target);
    std::ofstream(out.temporary()) << "complete";
    out.commit();
  }
  ck_assert(fs::exists(target));
  ck_assert_uint_eq(std::distance(fs::directory_iterator(folder), fs::directory_iterator()), 1);
  fs::remove_all(folder);
}
END_TEST

START_TEST(output_file_names_missing_folder) {
  bool thrown = false;
  try {
    OutputFile out("/nonexistent-astropack-folder/out.fit");
  } catch (const Error& e) {
    thrown = e.kind() == ErrorKind::Unwritable &&
             std::string(e.what()).find("/nonexistent-astropack-folder/out.fit") == 0;
  }
  ck_assert(thrown);
}
END_TEST

START_TEST(output_over_input_is_refused) {
  const fs::path folder = test::scratch_folder("overinput");
  const fs::path input = folder / "light.fit";
  std::ofstream(input) << "x";
  std::vector<fs::path> inputs = {input};
  bool thrown = false;
  try {
    refuse_output_over_input(folder / "." / "light.fit", inputs);
  } catch (const Error& e) {
    thrown = e.kind() == ErrorKind::InvalidArgument;
  }
  ck_assert(thrown);
  refuse_output_over_input(folder / "other.fit", inputs);  // fine
  fs::remove_all(folder);
}
END_TEST

int main() {
  Suite* suite = suite_create("image");
  TCase* tc = tcase_create("core");
  ADD_TEST(tc, views_address_planar_rows);
  ADD_TEST(tc, image_refuses_odd_channel_counts);
  ADD_TEST(tc, header_reads_aliases_first_alias_wins);
  ADD_TEST(tc, header_cards_round_trip);
  ADD_TEST(tc, cfa_phase_follows_siril);
  ADD_TEST(tc, output_file_is_atomic);
  ADD_TEST(tc, output_file_names_missing_folder);
  ADD_TEST(tc, output_over_input_is_refused);
  suite_add_tcase(suite, tc);
  return astropack::test::run_suite(suite);
}
