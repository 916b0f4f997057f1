// SPDX-License-Identifier: GPL-3.0-or-later
// SCNR: each method's formula on hand-worked pixels, identity cases, green is
// never raised, lightness restoration, counts and errors.
#include <cmath>
#include <cstdint>
#include <string>

#include "astropack/error.hpp"
#include "astropack/scnr.hpp"
#include "check_main.hpp"

using namespace astropack;

namespace {

Image pixel(double r, double g, double b) {
  Image image(1, 1, 3);
  image.at(0, 0, 0) = float(r);
  image.at(1, 0, 0) = float(g);
  image.at(2, 0, 0) = float(b);
  return image;
}

Image run(const Image& in, ScnrMethod method, double amount, bool preserve) {
  Image out(in.width(), in.height(), 3);
  ScnrParams p;
  p.method = method;
  p.amount = amount;
  p.preserve_lightness = preserve;
  scnr(in.view(), out.view(), p);
  return out;
}

// CIE L* from sRGB-encoded values, written out independently of the library.
double lightness(double r, double g, double b) {
  auto lin = [](double v) { return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
  const double y = 0.212671 * lin(r) + 0.715160 * lin(g) + 0.072169 * lin(b);
  const double f = y > 0.008856452 ? std::cbrt(y) : 7.787037037 * y + 16.0 / 116.0;
  return 116.0 * f - 16.0;
}

}  // namespace

START_TEST(neutral_methods_match_hand_values) {
  Image out = run(pixel(0.2, 0.5, 0.4), ScnrMethod::AverageNeutral, 1.0, false);
  ck_assert_double_eq_tol(out.at(1, 0, 0), 0.3, 1e-7);   // (0.2 + 0.4) / 2
  ck_assert_double_eq_tol(out.at(0, 0, 0), 0.2, 1e-7);   // red and blue untouched
  ck_assert_double_eq_tol(out.at(2, 0, 0), 0.4, 1e-7);
  out = run(pixel(0.2, 0.5, 0.4), ScnrMethod::MaximumNeutral, 1.0, false);
  ck_assert_double_eq_tol(out.at(1, 0, 0), 0.4, 1e-7);
  out = run(pixel(0.6, 0.1, 0.2), ScnrMethod::AverageNeutral, 1.0, false);
  ck_assert_double_eq_tol(out.at(1, 0, 0), 0.1, 1e-7);   // green already below: unchanged
}
END_TEST

START_TEST(mask_methods_match_hand_values) {
  // maximum mask: m = max(0.2, 0.4) = 0.4; g' = g (1 - a)(1 - m) + m g
  Image out = run(pixel(0.2, 0.5, 0.4), ScnrMethod::MaximumMask, 1.0, false);
  ck_assert_double_eq_tol(out.at(1, 0, 0), 0.2, 1e-7);
  out = run(pixel(0.2, 0.5, 0.4), ScnrMethod::MaximumMask, 0.5, false);
  ck_assert_double_eq_tol(out.at(1, 0, 0), 0.35, 1e-7);
  // additive mask: m = min(1, 0.2 + 0.4) = 0.6
  out = run(pixel(0.2, 0.5, 0.4), ScnrMethod::AdditiveMask, 1.0, false);
  ck_assert_double_eq_tol(out.at(1, 0, 0), 0.3, 1e-7);
  out = run(pixel(0.7, 0.5, 0.6), ScnrMethod::AdditiveMask, 1.0, false);  // m clipped to 1
  ck_assert_double_eq_tol(out.at(1, 0, 0), 0.5, 1e-7);
}
END_TEST

START_TEST(amount_zero_mask_is_identity) {
  // Siril 1.0's rmgreen 2/3 run with amount 0: nothing changes.
  for (ScnrMethod m : {ScnrMethod::MaximumMask, ScnrMethod::AdditiveMask}) {
    Image in = pixel(0.15, 0.8, 0.3);
    Image out = run(in, m, 0.0, false);
    for (std::size_t c = 0; c < 3; ++c) ck_assert_float_eq(out.at(c, 0, 0), in.at(c, 0, 0));
  }
}
END_TEST

START_TEST(green_is_never_raised) {
  Image in(97, 31, 3);
  std::uint32_t state = 12345;
  auto next = [&state] {
    state = state * 1664525u + 1013904223u;
    return double(state >> 8) / double(1u << 24) * 1.4 - 0.2;  // includes negatives and > 1
  };
  for (float& v : in.samples()) v = float(next());
  for (ScnrMethod m : {ScnrMethod::AverageNeutral, ScnrMethod::MaximumNeutral,
                       ScnrMethod::MaximumMask, ScnrMethod::AdditiveMask})
    for (double amount : {0.0, 0.3, 1.0}) {
      Image out = run(in, m, amount, false);
      for (std::size_t y = 0; y < in.height(); ++y)
        for (std::size_t x = 0; x < in.width(); ++x) {
          // Mask methods with m > 1 or m < 0 (data outside 0..1) scale g by a factor
          // that can exceed 1; within 0..1 data green never rises.
          const double r = in.at(0, y, x), g = in.at(1, y, x), b = in.at(2, y, x);
          const bool in_range = r >= 0 && r <= 1 && g >= 0 && g <= 1 && b >= 0 && b <= 1;
          if (in_range || m == ScnrMethod::AverageNeutral || m == ScnrMethod::MaximumNeutral)
            ck_assert(out.at(1, y, x) <= in.at(1, y, x));
          ck_assert_float_eq(out.at(0, y, x), in.at(0, y, x));
          ck_assert_float_eq(out.at(2, y, x), in.at(2, y, x));
        }
    }
}
END_TEST

START_TEST(preserve_lightness_keeps_l_star) {
  // (0.2, 0.6, 0.2) average neutral -> grey 0.2, then lightness of the original:
  // linear Y = 0.2372412, grey level 1.055 * Y^(1/2.4) - 0.055 = 0.524316 (by hand).
  Image out = run(pixel(0.2, 0.6, 0.2), ScnrMethod::AverageNeutral, 1.0, true);
  for (std::size_t c = 0; c < 3; ++c) ck_assert_double_eq_tol(out.at(c, 0, 0), 0.524316, 2e-3);
  // On varied pixels the output's L* equals the input's.
  const double samples[][3] = {{0.1, 0.3, 0.05}, {0.5, 0.9, 0.2}, {0.02, 0.04, 0.01},
                               {0.7, 0.75, 0.6}, {0.3, 0.2, 0.4}};
  for (const auto& s : samples) {
    for (ScnrMethod m : {ScnrMethod::AverageNeutral, ScnrMethod::MaximumMask}) {
      Image o = run(pixel(s[0], s[1], s[2]), m, 0.8, true);
      ck_assert_double_eq_tol(lightness(o.at(0, 0, 0), o.at(1, 0, 0), o.at(2, 0, 0)),
                              lightness(s[0], s[1], s[2]), 1e-3);
    }
  }
  // A neutral grey goes through the colour round trip unchanged.
  Image grey = run(pixel(0.4, 0.4, 0.4), ScnrMethod::AverageNeutral, 1.0, true);
  for (std::size_t c = 0; c < 3; ++c) ck_assert_double_eq_tol(grey.at(c, 0, 0), 0.4, 5e-4);
}
END_TEST

START_TEST(values_above_one_are_kept_and_counted) {
  Image in(2, 1, 3);
  const float px[2][3] = {{1.5f, 1.2f, 0.1f}, {0.2f, 0.3f, 0.4f}};
  for (std::size_t x = 0; x < 2; ++x)
    for (std::size_t c = 0; c < 3; ++c) in.at(c, 0, x) = px[x][c];
  ScnrParams p;
  p.preserve_lightness = false;
  Image out(2, 1, 3);
  const ScnrResult result = scnr(in.view(), out.view(), p);
  ck_assert_uint_eq(result.above_one, 1);
  ck_assert_float_eq(out.at(0, 0, 0), 1.5f);
  ck_assert_double_eq_tol(out.at(1, 0, 0), 0.8, 1e-7);  // (1.5 + 0.1) / 2
}
END_TEST

START_TEST(in_place_equals_separate_output) {
  Image in(13, 7, 3);
  for (std::size_t i = 0; i < in.samples().size(); ++i) in.samples()[i] = float((i * 37 % 101) / 100.0);
  Image copy = in;
  ScnrParams p;
  p.method = ScnrMethod::MaximumNeutral;
  Image out(13, 7, 3);
  scnr(in.view(), out.view(), p);
  scnr(copy.view(), copy.view(), p);
  ck_assert(copy.samples() == out.samples());
}
END_TEST

START_TEST(mono_and_bad_amount_are_refused) {
  Image mono(4, 4, 1);
  bool thrown = false;
  try {
    scnr(mono.view(), mono.view(), ScnrParams{});
  } catch (const Error& e) {
    thrown = e.kind() == ErrorKind::InvalidInput &&
             std::string(e.what()).find("RGB") != std::string::npos;
  }
  ck_assert(thrown);
  thrown = false;
  ScnrParams p;
  p.amount = 1.5;
  try {
    p.validate();
  } catch (const Error& e) {
    thrown = e.kind() == ErrorKind::InvalidArgument &&
             std::string(e.what()).find("between 0 and 1") != std::string::npos;
  }
  ck_assert(thrown);
  ck_assert(parse_scnr_method("maximum-mask") == ScnrMethod::MaximumMask);
  ck_assert(!parse_scnr_method("green"));
}
END_TEST

int main() {
  Suite* s = suite_create("scnr");
  TCase* tc = tcase_create("scnr");
  ADD_TEST(tc, neutral_methods_match_hand_values);
  ADD_TEST(tc, mask_methods_match_hand_values);
  ADD_TEST(tc, amount_zero_mask_is_identity);
  ADD_TEST(tc, green_is_never_raised);
  ADD_TEST(tc, preserve_lightness_keeps_l_star);
  ADD_TEST(tc, values_above_one_are_kept_and_counted);
  ADD_TEST(tc, in_place_equals_separate_output);
  ADD_TEST(tc, mono_and_bad_amount_are_refused);
  suite_add_tcase(s, tc);
  return astropack::test::run_suite(s);
}
