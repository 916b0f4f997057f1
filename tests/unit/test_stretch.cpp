// SPDX-License-Identifier: GPL-3.0-or-later
// Stretches: asinh, MTF, autostretch and GHS against hand-computed values,
// identity for neutral parameters, GHS forward then inverse, range errors,
// and thread-count independence.
#include <omp.h>

#include <cmath>
#include <string>
#include <vector>

#include "astropack/asinh_stretch.hpp"
#include "astropack/error.hpp"
#include "astropack/ghs_stretch.hpp"
#include "astropack/mtf_stretch.hpp"
#include "check_main.hpp"

using namespace astropack;

namespace {

Image mono_values(const std::vector<float>& values) {
  Image image(values.size(), 1, 1);
  for (std::size_t i = 0; i < values.size(); ++i) image.at(0, 0, i) = values[i];
  return image;
}

template <typename Fn>
bool throws_naming(Fn fn, const std::string& text) {
  try {
    fn();
  } catch (const Error& e) {
    return e.kind() == ErrorKind::InvalidArgument &&
           std::string(e.what()).find(text) != std::string::npos;
  }
  return false;
}

Image ramp(std::size_t width, std::size_t height, std::size_t channels) {
  Image image(width, height, channels);
  for (std::size_t i = 0; i < image.samples().size(); ++i)
    image.samples()[i] = float((i * 7919 % 10007) / 10007.0);
  return image;
}

}  // namespace

START_TEST(asinh_mono_hand_values) {
  Image in = mono_values({0.1f, 0.5f, -0.1f, 2.0f, 0.0f});
  AsinhParams p;
  p.stretch = 10;
  asinh_stretch(in.view(), in.view(), p);
  ck_assert_double_eq_tol(in.at(0, 0, 0), 0.2939653, 1e-6);  // asinh(1)/asinh(10)
  ck_assert_double_eq_tol(in.at(0, 0, 1), 0.7712696, 1e-6);  // asinh(5)/asinh(10)
  ck_assert_float_eq(in.at(0, 0, 2), 0.0f);                 // negatives clamp to 0 (Siril)
  ck_assert_float_eq(in.at(0, 0, 3), 1.0f);                 // 1.2306 clipped to 1 (Siril)
  ck_assert_float_eq(in.at(0, 0, 4), 0.0f);
  Image bp = mono_values({0.55f});
  p.black_point = 0.1;  // x' = (0.55 - 0.1) / 0.9 = 0.5
  asinh_stretch(bp.view(), bp.view(), p);
  ck_assert_double_eq_tol(bp.at(0, 0, 0), 0.7712696, 1e-6);
}
END_TEST

START_TEST(asinh_rgb_uses_luminance_factor) {
  Image in(1, 1, 3);
  in.at(0, 0, 0) = 0.3f;
  in.at(1, 0, 0) = 0.6f;
  in.at(2, 0, 0) = 0.9f;
  Image human = in;
  AsinhParams p;
  p.stretch = 10;
  asinh_stretch(in.view(), in.view(), p);
  ck_assert_double_eq_tol(in.at(0, 0, 0), 0.4155679, 1e-6);
  ck_assert_double_eq_tol(in.at(1, 0, 0), 0.8311358, 1e-6);
  ck_assert_float_eq(in.at(2, 0, 0), 1.0f);  // 1.2467 clipped
  p.rgb_working_space = true;
  asinh_stretch(human.view(), human.view(), p);
  ck_assert_double_eq_tol(human.at(0, 0, 0), 0.4340526, 1e-6);
  ck_assert_double_eq_tol(human.at(1, 0, 0), 0.8681053, 1e-6);
}
END_TEST

START_TEST(asinh_zero_stretch_is_identity_on_unit_range) {
  Image in = ramp(31, 9, 3);
  Image out(31, 9, 3);
  AsinhParams p;
  p.stretch = 0;
  asinh_stretch(in.view(), out.view(), p);
  for (std::size_t i = 0; i < in.samples().size(); ++i)
    ck_assert_double_eq_tol(out.samples()[i], in.samples()[i], 1e-7);
  ck_assert(throws_naming([] { AsinhParams q; q.stretch = -1; q.validate(); }, "between 0 and 10000"));
  ck_assert(throws_naming([] { AsinhParams q; q.black_point = 1; q.validate(); }, "between 0 and 0.99"));
}
END_TEST

START_TEST(mtf_hand_values_and_identity) {
  ck_assert_double_eq_tol(mtf(0.25, 0.25), 0.5, 1e-12);
  ck_assert_double_eq_tol(mtf(0.5, 0.2, 0.1, 0.9), 0.8, 1e-12);
  ck_assert_double_eq(mtf(0.05, 0.2, 0.1, 0.9), 0.0);
  ck_assert_double_eq(mtf(0.95, 0.2, 0.1, 0.9), 1.0);
  Image in = ramp(17, 5, 1);
  Image out(17, 5, 1);
  mtf_stretch(in.view(), out.view(), MtfParams{0.0, 0.5, 1.0});
  for (std::size_t i = 0; i < in.samples().size(); ++i)
    ck_assert_double_eq_tol(out.samples()[i], in.samples()[i], 1e-7);
  ck_assert(throws_naming([] { MtfParams{0.5, 0.5, 0.4}.validate(); }, "above the shadows"));
  ck_assert(throws_naming([] { MtfParams{0.0, 1.0, 1.0}.validate(); }, "between 0.0001 and 0.9999"));
}
END_TEST

namespace {
// 1001 values: 350 at med - 0.01, 301 at med, 350 at med + 0.01: median med, MAD 0.01.
std::vector<float> spread(double med) {
  std::vector<float> v;
  for (int i = 0; i < 350; ++i) v.push_back(float(med - 0.01));
  for (int i = 0; i < 301; ++i) v.push_back(float(med));
  for (int i = 0; i < 350; ++i) v.push_back(float(med + 0.01));
  return v;
}
}  // namespace

START_TEST(autostretch_normal_case) {
  std::vector<float> values = spread(0.1);
  values.insert(values.end(), 500, 0.0f);  // zeros are "no data" and ignored
  Image in = mono_values(values);
  const auto p = autostretch_parameters(in.view(), AutostretchParams{});
  ck_assert_uint_eq(p.size(), 1);
  // lo = 0.1 - 2.8 * 1.4826 * 0.01 = 0.0584872; m = MTF(0.0415128; 0.25) = 0.1149912
  ck_assert_double_eq_tol(p[0].shadows, 0.0584872, 1e-6);
  ck_assert_double_eq_tol(p[0].midtones, 0.1149912, 1e-5);
  ck_assert_double_eq(p[0].highlights, 1.0);
}
END_TEST

START_TEST(autostretch_linked_and_unlinked) {
  const double medians[3] = {0.1, 0.2, 0.3};
  Image in(1001, 1, 3);
  for (std::size_t c = 0; c < 3; ++c) {
    const auto v = spread(medians[c]);
    for (std::size_t x = 0; x < v.size(); ++x) in.at(c, 0, x) = v[x];
  }
  AutostretchParams params;
  const auto unlinked = autostretch_parameters(in.view(), params);
  for (std::size_t c = 0; c < 3; ++c) {
    ck_assert_double_eq_tol(unlinked[c].shadows, medians[c] - 0.0415128, 1e-6);
    ck_assert_double_eq_tol(unlinked[c].midtones, 0.1149912, 1e-5);
  }
  params.linked = true;
  const auto linked = autostretch_parameters(in.view(), params);
  for (std::size_t c = 0; c < 3; ++c) {
    ck_assert_double_eq_tol(linked[c].shadows, 0.2 - 0.0415128, 1e-6);
    ck_assert_double_eq_tol(linked[c].midtones, 0.1149912, 1e-5);
  }
  // Applying them is the MTF with those parameters.
  Image out(1001, 1, 3);
  autostretch(in.view(), out.view(), params);
  ck_assert_double_eq_tol(out.at(2, 0, 400),
                          mtf(in.at(2, 0, 400), linked[2].midtones, linked[2].shadows, 1.0), 1e-6);
}
END_TEST

START_TEST(autostretch_inverted_case) {
  Image in = mono_values(spread(0.8));
  const auto p = autostretch_parameters(in.view(), AutostretchParams{});
  // hi = 0.8 + 2.8 * 0.014826 = 0.8415128, m = 1 - 0.1149912
  ck_assert_double_eq(p[0].shadows, 0.0);
  ck_assert_double_eq_tol(p[0].highlights, 0.8415128, 1e-6);
  ck_assert_double_eq_tol(p[0].midtones, 0.8850088, 1e-5);
  ck_assert(throws_naming([] { AutostretchParams a; a.target_background = 1.5; a.validate(); },
                          "between 0.001 and 0.999"));
}
END_TEST

START_TEST(ghs_hand_values) {
  GhsParams p;
  p.stretch = 1.0;  // D' = e - 1
  p.local_intensity = 0.0;
  ck_assert_double_eq_tol(GhsCurve(p).forward(0.2), 0.3543971, 1e-6);
  p.local_intensity = 1.0;  // x (1 + D') / (1 + D' x)
  ck_assert_double_eq_tol(GhsCurve(p).forward(0.2), 0.4046097, 1e-6);
  p.local_intensity = -1.0;  // ln(1 + D' x) / ln(1 + D')
  ck_assert_double_eq_tol(GhsCurve(p).forward(0.2), 0.2953945, 1e-6);
  // Symmetric around SP = 0.5 with no protection: 0.5 stays 0.5, and the curve is odd around it.
  p.local_intensity = 2.0;
  p.stretch = 3.0;
  p.symmetry_point = 0.5;
  const GhsCurve c(p);
  ck_assert_double_eq_tol(c.forward(0.5), 0.5, 1e-12);
  ck_assert_double_eq_tol(c.forward(0.3) + c.forward(0.7), 1.0, 1e-12);
}
END_TEST

START_TEST(ghs_endpoints_monotone_and_protection_linear) {
  const double bs[] = {-3.0, -1.0, -0.5, 0.0, 0.7, 4.0};
  for (double b : bs) {
    GhsParams p;
    p.stretch = 2.5;
    p.local_intensity = b;
    p.symmetry_point = 0.2;
    p.shadow_protection = 0.05;
    p.highlight_protection = 0.8;
    const GhsCurve c(p);
    ck_assert_double_eq_tol(c.forward(0.0), 0.0, 1e-12);
    ck_assert_double_eq_tol(c.forward(1.0), 1.0, 1e-12);
    double previous = -1;
    for (int i = 0; i <= 1000; ++i) {
      const double y = c.forward(i / 1000.0);
      ck_assert(y > previous);
      previous = y;
    }
    // Straight lines below LP and above HP: second differences vanish.
    ck_assert_double_eq_tol(c.forward(0.01) - 2 * c.forward(0.02) + c.forward(0.03), 0.0, 1e-12);
    ck_assert_double_eq_tol(c.forward(0.85) - 2 * c.forward(0.9) + c.forward(0.95), 0.0, 1e-12);
    // ... and continuous where they join the curve.
    ck_assert_double_eq_tol(c.forward(0.05 - 1e-9), c.forward(0.05 + 1e-9), 1e-7);
    ck_assert_double_eq_tol(c.forward(0.8 - 1e-9), c.forward(0.8 + 1e-9), 1e-7);
  }
}
END_TEST

START_TEST(ghs_then_inverse_is_identity) {
  const double bs[] = {-2.5, -1.0, -0.5, 0.0, 0.7, 3.0, 12.0};
  for (double b : bs)
    for (double sp : {0.0, 0.1, 0.6}) {
      GhsParams p;
      p.stretch = 2.0;  // stronger exponential stretches saturate in double precision
      p.local_intensity = b;
      p.symmetry_point = sp;
      p.shadow_protection = sp / 2;
      p.highlight_protection = std::max(sp, 0.9);
      const GhsCurve c(p);
      for (int i = 0; i <= 200; ++i) {
        const double x = i / 200.0;
        ck_assert_double_eq_tol(c.inverse(c.forward(x)), x, 1e-9);
      }
      // Through the image functions, in float.
      Image in = ramp(41, 3, 1);
      Image stretched(41, 3, 1), back(41, 3, 1);
      ghs_stretch(in.view(), stretched.view(), p);
      inverse_ghs_stretch(stretched.view(), back.view(), p);
      for (std::size_t k = 0; k < in.samples().size(); ++k)
        ck_assert_double_eq_tol(back.samples()[k], in.samples()[k], 2e-5);
    }
  GhsParams identity;  // D = 0
  Image in = ramp(11, 2, 3);
  Image out(11, 2, 3);
  ghs_stretch(in.view(), out.view(), identity);
  ck_assert(in.samples() == out.samples());
}
END_TEST

START_TEST(ghs_luminance_models) {
  GhsParams p;
  p.stretch = 3.0;
  p.local_intensity = 1.0;
  p.colour = GhsColourModel::EvenLuminance;
  const GhsCurve c(p);
  // Grey pixels follow the curve exactly.
  Image grey(1, 1, 3, 0.2f);
  ghs_stretch(grey.view(), grey.view(), p);
  for (std::size_t k = 0; k < 3; ++k) ck_assert_double_eq_tol(grey.at(k, 0, 0), c.forward(0.2), 1e-6);
  // A dim coloured pixel keeps its channel ratios (factor T(Y)/Y).
  Image dim(1, 1, 3);
  dim.at(0, 0, 0) = 0.02f;
  dim.at(1, 0, 0) = 0.01f;
  dim.at(2, 0, 0) = 0.03f;
  ghs_stretch(dim.view(), dim.view(), p);
  const double factor = c.forward(0.02) / 0.02;
  ck_assert_double_eq_tol(dim.at(0, 0, 0), 0.02f * factor, 1e-6);
  ck_assert_double_eq_tol(dim.at(2, 0, 0), 0.03f * factor, 1e-6);
  // A saturated colour would exceed 1: it is blended back so its largest channel is 1.
  Image bright(1, 1, 3);
  bright.at(0, 0, 0) = 0.9f;
  bright.at(1, 0, 0) = 0.05f;
  bright.at(2, 0, 0) = 0.05f;
  ghs_stretch(bright.view(), bright.view(), p);
  ck_assert_double_eq_tol(bright.at(0, 0, 0), 1.0, 1e-6);
  ck_assert(bright.at(1, 0, 0) < 1.0f);
}
END_TEST

START_TEST(ghs_ranges_are_checked) {
  ck_assert(throws_naming([] { GhsParams p; p.stretch = 11; p.validate(); }, "between 0 and 10"));
  ck_assert(throws_naming([] { GhsParams p; p.local_intensity = 20; p.validate(); }, "between -5 and 15"));
  ck_assert(throws_naming(
      [] {
        GhsParams p;
        p.symmetry_point = 0.3;
        p.shadow_protection = 0.4;
        p.validate();
      },
      "at most SP"));
  ck_assert(throws_naming(
      [] {
        GhsParams p;
        p.symmetry_point = 0.3;
        p.highlight_protection = 0.2;
        p.validate();
      },
      "at least SP"));
}
END_TEST

START_TEST(results_do_not_depend_on_thread_count) {
  Image in = ramp(512, 300, 3);  // above the parallel threshold
  Image one(512, 300, 3), many(512, 300, 3);
  GhsParams g;
  g.stretch = 2;
  g.local_intensity = 1;
  g.colour = GhsColourModel::HumanLuminance;
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  ghs_stretch(in.view(), one.view(), g);
  omp_set_num_threads(std::max(threads, 3));
  ghs_stretch(in.view(), many.view(), g);
  ck_assert(one.samples() == many.samples());
  AsinhParams a;
  a.stretch = 50;
  omp_set_num_threads(1);
  asinh_stretch(in.view(), one.view(), a);
  omp_set_num_threads(std::max(threads, 3));
  asinh_stretch(in.view(), many.view(), a);
  ck_assert(one.samples() == many.samples());
}
END_TEST

int main() {
  Suite* s = suite_create("stretch");
  TCase* tc = tcase_create("stretch");
  ADD_TEST(tc, asinh_mono_hand_values);
  ADD_TEST(tc, asinh_rgb_uses_luminance_factor);
  ADD_TEST(tc, asinh_zero_stretch_is_identity_on_unit_range);
  ADD_TEST(tc, mtf_hand_values_and_identity);
  ADD_TEST(tc, autostretch_normal_case);
  ADD_TEST(tc, autostretch_linked_and_unlinked);
  ADD_TEST(tc, autostretch_inverted_case);
  ADD_TEST(tc, ghs_hand_values);
  ADD_TEST(tc, ghs_endpoints_monotone_and_protection_linear);
  ADD_TEST(tc, ghs_then_inverse_is_identity);
  ADD_TEST(tc, ghs_luminance_models);
  ADD_TEST(tc, ghs_ranges_are_checked);
  ADD_TEST(tc, results_do_not_depend_on_thread_count);
  suite_add_tcase(s, tc);
  return astropack::test::run_suite(s);
}
